import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ConnectError, createClient } from "@connectrpc/connect";
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
  leaf("daemon", "ca", `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  leaf("manager", "ca", "extendedKeyUsage=clientAuth\n");
  leaf("intruder", "other-ca", "extendedKeyUsage=clientAuth\n");
  const pem = (file: string) => readFileSync(join(dir, file));
  return { pem };
}

describe("createDaemonServer with mutual TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-mtls-"));
  const { pem } = makePki(dir);
  let server: DaemonServer;
  let port: number;
  const handlers = new DaemonHandlerRegistry().register("test", { async containerGetPid() { return { pid: 7 }; } });
  const logger = createDaemonLogger({ stream: new PassThrough() });

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
      tls: { cert: pem("daemon.crt"), key: pem("daemon.key"), ca: pem("ca.crt") },
    });
    const address = await server.listen({ port: 0, host: "127.0.0.1" });
    port = Number(address.split(":").pop());
  });

  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts the manager's certificate, signed by the chart's CA", async () => {
    const res = await clientWith({ cert: pem("manager.crt"), key: pem("manager.key") }).containerGetPid({ containerId: "x" });
    expect(res.pid).toBe(7);
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
      clientWith({ cert: pem("manager.crt"), key: pem("manager.key"), servername: "someone-else.example" }).containerGetPid({
        containerId: "x",
      }),
    ).rejects.toThrow(/altnames|Hostname|does not match/i);
  });
});
