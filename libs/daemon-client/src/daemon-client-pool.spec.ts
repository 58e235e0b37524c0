// A real Connect (gRPC over HTTP/2) server stands in for the daemon: these tests are about
// discovery, pooling, headers and TLS, not about what the daemon does.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { createDaemonClientPool, daemonResponseMaxBytes, daemonServerName } from "./daemon-client-pool.js";
import { createStaticDaemonLocator, DaemonNotFoundError } from "./daemon-locator.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  containerId: string;
  namespacedName: string | null;
  session: unknown;
}

/** A ChaosDaemon server that answers ExecHelloWorldChaos and remembers what it saw. */
function standInDaemon(seen: Seen[]) {
  const routes = (router: ConnectRouter) =>
    router.service(ChaosDaemon, {
      async execHelloWorldChaos(req, ctx) {
        seen.push({ containerId: req.containerId, namespacedName: ctx.requestHeader.get("namespaced-name"), session: undefined });
        return {};
      },
      // an answer no daemon gives: one note over the manager's read limit
      async getNodeCapabilities() {
        return { notes: ["x".repeat(daemonResponseMaxBytes + 1)] };
      },
    });
  return connectNodeAdapter({ routes });
}

async function listen(server: http2.Http2Server, where: { port: 0 } | { path: string }): Promise<string> {
  await new Promise<void>((resolve) =>
    "path" in where ? server.listen(where.path, resolve) : server.listen(0, "127.0.0.1", resolve),
  );
  return "path" in where ? `unix:${where.path}` : `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createDaemonClientPool over cleartext", () => {
  const seen: Seen[] = [];
  const sessions = new Set<unknown>();
  const servers: http2.Http2Server[] = [];
  let tcp = "";
  let unix = "";

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const server = http2.createServer(standInDaemon(seen));
      server.on("session", (s) => sessions.add(s));
      servers.push(server);
    }
    tcp = await listen(servers[0]!, { port: 0 });
    unix = await listen(servers[1]!, { path: join(dir, "daemon.sock") });
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it("sends namespaced-name with every call and shares one connection per address", async () => {
    const pool = createDaemonClientPool({ locator: createStaticDaemonLocator({ a: tcp, b: tcp, c: unix }) });
    try {
      const before = sessions.size;
      await (await pool.clientFor("a", "chaos/one")).execHelloWorldChaos({ containerId: "c1" });
      await (await pool.clientFor("b", "chaos/two")).execHelloWorldChaos({ containerId: "c2" });
      await (await pool.clientFor("c", "chaos/three")).execHelloWorldChaos({ containerId: "c3" });
      expect(seen.map(({ containerId, namespacedName }) => [containerId, namespacedName])).toEqual([
        ["c1", "chaos/one"],
        ["c2", "chaos/two"],
        ["c3", "chaos/three"],
      ]);
      expect(pool.size()).toBe(2);
      expect(sessions.size - before).toBe(2);
    } finally {
      pool.close();
    }
    expect(pool.size()).toBe(0);
  });

  it("refuses an answer over daemonResponseMaxBytes with ResourceExhausted", async () => {
    const pool = createDaemonClientPool({ locator: createStaticDaemonLocator({ a: tcp }) });
    try {
      const error = await (await pool.clientFor("a", "chaos/big")).getNodeCapabilities({}).catch((e: unknown) => ConnectError.from(e));
      expect(error instanceof ConnectError ? `${Code[error.code]}: ${error.rawMessage}` : error).toMatch(
        new RegExp(`^ResourceExhausted: message size \\d+ is larger than configured readMaxBytes ${daemonResponseMaxBytes}$`),
      );
    } finally {
      pool.close();
    }
  });

  it("rejects a node without a daemon before any call", async () => {
    const pool = createDaemonClientPool({ locator: createStaticDaemonLocator({ a: tcp }) });
    await expect(pool.clientFor("z", "chaos/x")).rejects.toBeInstanceOf(DaemonNotFoundError);
  });

  it("surfaces an unreachable daemon as a ConnectError", async () => {
    const pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${join(dir, "none.sock")}`) });
    const client = await pool.clientFor("a", "chaos/x");
    await expect(client.execHelloWorldChaos({ containerId: "c" })).rejects.toBeInstanceOf(ConnectError);
    pool.close();
  });
});

describe("createDaemonClientPool with mutual TLS", () => {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const pem = (file: string) => readFileSync(join(dir, file));
  const seen: Seen[] = [];
  let server: http2.Http2SecureServer;
  let address = "";

  beforeAll(async () => {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ca", "-keyout", "ca.key", "-out", "ca.crt");
    const leaf = (name: string, ext: string) => {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
        "-extfile", `${name}.ext`, "-out", `${name}.crt`);
    };
    leaf("daemon", `subjectAltName=DNS:${daemonServerName}\nextendedKeyUsage=serverAuth\n`);
    leaf("manager", "extendedKeyUsage=clientAuth\n");
    server = http2.createSecureServer(
      { cert: pem("daemon.crt"), key: pem("daemon.key"), ca: pem("ca.crt"), requestCert: true, rejectUnauthorized: true },
      standInDaemon(seen),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("reaches a daemon that presents chaos-daemon.chaos-mesh.org, with the manager's certificate", async () => {
    const pool = createDaemonClientPool({
      locator: createStaticDaemonLocator(address),
      tls: { ca: pem("ca.crt"), cert: pem("manager.crt"), key: pem("manager.key") },
    });
    await (await pool.clientFor("n", "chaos/tls")).execHelloWorldChaos({ containerId: "secure" });
    expect(seen.at(-1)).toMatchObject({ containerId: "secure", namespacedName: "chaos/tls" });
    pool.close();
  });

  it("refuses a daemon whose certificate names another server", async () => {
    const pool = createDaemonClientPool({
      locator: createStaticDaemonLocator(address),
      tls: { ca: pem("ca.crt"), cert: pem("manager.crt"), key: pem("manager.key"), serverName: "someone-else.example" },
    });
    await expect((await pool.clientFor("n", "chaos/tls")).execHelloWorldChaos({ containerId: "x" })).rejects.toBeInstanceOf(
      ConnectError,
    );
    pool.close();
  });
});
