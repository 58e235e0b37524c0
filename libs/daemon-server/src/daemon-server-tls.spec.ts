import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { createDaemonLogger } from "./daemon-logger.js";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { createDaemonServer, type DaemonServer } from "./daemon-server.js";

const serverName = "chaos-daemon.chaos-mesh.org";

/** A CA and certificates made with the openssl CLI, as the chart's hooks would make them. */
function makePki(dir: string) {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ca = (name: string) => {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${name}`,
      "-keyout", `${name}.key`, "-out", `${name}.crt`);
  };
  const leaf = (name: string, caName: string, ext: string) => {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.crt`, "-CAkey", `${caName}.key`,
      "-CAcreateserial", "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.crt`);
  };
  ca("ca");
  ca("other-ca");
  // as the chart's generated path makes it: Helm's genSignedCert sets both serverAuth and clientAuth
  leaf(serverName, "ca", `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  leaf("faultline-manager", "ca", "extendedKeyUsage=serverAuth,clientAuth\n");
  // the manager's name as a DNS subjectAltName under another CN
  leaf("renamed", "ca", "subjectAltName=DNS:faultline-manager\nextendedKeyUsage=clientAuth\n");
  // the manager's name on a server-only certificate (what cert-manager issues the daemon)
  leaf("server-only", "ca", "subjectAltName=DNS:faultline-manager\nextendedKeyUsage=serverAuth\n");
  leaf("intruder", "other-ca", "subjectAltName=DNS:faultline-manager\nextendedKeyUsage=clientAuth\n");
  const pem = (file: string) => readFileSync(join(dir, file));
  return { pem };
}

describe("createDaemonServer with mutual TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-mtls-"));
  const { pem } = makePki(dir);
  let server: DaemonServer;
  let port: number;
  const handlers = new DaemonHandlerRegistry().register("test", { async containerGetPid() { return { pid: 7 }; } });
  const logStream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  logStream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
  });
  const logger = createDaemonLogger({ format: "json", stream: logStream });

  const clientWith = (options: { cert?: Buffer; key?: Buffer; servername?: string }) =>
    createClient(
      ChaosDaemon,
      createGrpcTransport({
        baseUrl: `https://127.0.0.1:${port}`,
        nodeOptions: { ca: pem("ca.crt"), servername: serverName, ...options },
      }),
    );

  beforeAll(async () => {
    server = createDaemonServer({
      handlers,
      logger,
      tls: { cert: pem(`${serverName}.crt`), key: pem(`${serverName}.key`), ca: pem("ca.crt"), clientNames: ["faultline-manager"] },
    });
    const address = await server.listen({ port: 0, host: "127.0.0.1" });
    port = Number(address.split(":").pop());
  });

  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts the manager's certificate, signed by the chart's CA", async () => {
    const res = await clientWith({ cert: pem("faultline-manager.crt"), key: pem("faultline-manager.key") }).containerGetPid({ containerId: "x" });
    expect(res.pid).toBe(7);
  });

  it("accepts a certificate that carries the manager's name as a DNS subjectAltName", async () => {
    const res = await clientWith({ cert: pem("renamed.crt"), key: pem("renamed.key") }).containerGetPid({ containerId: "x" });
    expect(res.pid).toBe(7);
  });

  it("refuses the daemon's own certificate (same CA, clientAuth set) with PermissionDenied, and logs one line per connection", async () => {
    logLines.length = 0;
    const intruder = clientWith({ cert: pem(`${serverName}.crt`), key: pem(`${serverName}.key`) });
    const call = intruder.containerGetPid({ containerId: "x" });
    await expect(call).rejects.toMatchObject({
      code: Code.PermissionDenied,
      rawMessage: `client certificate (CN "${serverName}", subjectAltNames "${serverName}") is not the manager's: this daemon accepts only "faultline-manager"`,
    });
    await expect(intruder.containerKill({ containerId: "x" })).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect(logLines.filter((l) => l["message"] === "refused a client: its certificate is not the manager's")).toEqual([
      expect.objectContaining({ level: "warn", cn: [serverName], subjectAltNames: [serverName], accepted: ["faultline-manager"] }),
    ]);
  });

  it("refuses a certificate without clientAuth even when it carries the manager's name (what cert-manager issues the daemon)", async () => {
    await expect(
      clientWith({ cert: pem("server-only.crt"), key: pem("server-only.key") }).containerGetPid({ containerId: "x" }),
    ).rejects.toBeInstanceOf(ConnectError);
  });

  it("refuses to start mutual TLS without a client name", () => {
    expect(() =>
      createDaemonServer({ handlers, logger, tls: { cert: pem(`${serverName}.crt`), key: pem(`${serverName}.key`), ca: pem("ca.crt"), clientNames: [] } }),
    ).toThrow("mutual TLS needs the client identities to accept (clientNames): none given");
  });

  it("refuses a client without a certificate", async () => {
    await expect(clientWith({}).containerGetPid({ containerId: "x" })).rejects.toBeInstanceOf(ConnectError);
  });

  it("refuses a client whose certificate comes from another CA", async () => {
    await expect(
      clientWith({ cert: pem("intruder.crt"), key: pem("intruder.key") }).containerGetPid({ containerId: "x" }),
    ).rejects.toBeInstanceOf(ConnectError);
  });

  it("lets the manager verify the daemon's server name", async () => {
    await expect(
      clientWith({ cert: pem("faultline-manager.crt"), key: pem("faultline-manager.key"), servername: "someone-else.example" }).containerGetPid({
        containerId: "x",
      }),
    ).rejects.toThrow(/altnames|Hostname|does not match/i);
  });
});
