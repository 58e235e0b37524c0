// The proxy's process, built (`npx nx run @faultline/chaos:build` → libs/chaos/dist), run as a real
// child: its ready line, a rule applied to real HTTP, SIGHUP (rules and listeners), SIGTERM, a bad
// config, and its exit once no other process shares its network namespace (real namespaces from
// unshare/nsenter; needs root, no cluster).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRealParts } from "@faultline/test-ground";
import { httpProxyMainPath } from "./http-proxy-path.js";
import { send, startTestServer, testHost, type TestServer } from "./http-proxy.test-support.js";

const main = httpProxyMainPath();

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the ports of the ready line; rejects if it exits first. */
  ready: Promise<number[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function run(command: string, args: string[]): Running {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise<number[]>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.includes('"ready"'));
      if (line !== undefined) resolve((JSON.parse(line) as { ports: number[] }).ports);
    });
    void exited.then((e) => reject(new Error(`exited ${JSON.stringify(e)} before it was ready: ${err}`)));
  });
  ready.catch(() => {});
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

const logEvents = (r: Running) =>
  r
    .stderr()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; error?: string; reason?: string });
const waitUntil = async (what: string, check: () => boolean, timeoutMs = 5000) => {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
/** A port nothing listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, testHost, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe("http-proxy-main as a process", () => {
  let dir: string;
  let server: TestServer;
  let config: string;

  beforeAll(async () => {
    requireRealParts("the HTTP proxy process");
    if (!existsSync(main)) throw new Error(`${main} is missing: run npx nx run @faultline/chaos:build`);
    dir = mkdtempSync(join(tmpdir(), "faultline-http-main-"));
    chmodSync(dir, 0o755); // the unprivileged case reads the config, as the daemon's proxy does (0644)
    config = join(dir, "config.json");
    server = await startTestServer();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (value: unknown) => writeFileSync(config, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o644 });
  const abortApi = (recordKey: string) => ({ recordKey, target: "Request", selector: { path: "/api/*" }, actions: { abort: true }, port: server.port });

  it("prints one ready line, applies its rules, reloads rules and listeners on SIGHUP (keeping the config in force when the new one is bad) and exits 0 on SIGTERM", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [abortApi("uid-a/ns/pod/c")], tls: null });
    const r = run(process.execPath, [main, "--config", config, "--host", testHost, "--orphan-check-ms", "0"]);
    expect(await r.ready).toEqual([p1]);
    expect(r.stdout()).toBe(`{"ready":true,"ports":[${p1}]}\n`);

    await expect(send(p1, { path: "/api/users" })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await send(p1, { path: "/web" })).code).toBe(200);

    // reload: another rule, and a second listener
    writeConfig({
      listeners: [{ port: p1, serverPort: server.port }, { port: p2, serverPort: server.port }],
      rules: [{ recordKey: "uid-b/ns/pod/c", target: "Response", selector: {}, actions: { replace: { code: 418 } }, port: server.port }],
      tls: null,
    });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    expect((await send(p1, { path: "/api/users" })).code).toBe(418);
    expect((await send(p2, { path: "/web" })).code).toBe(418);

    // a bad config: the one in force stays
    writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [{ ...abortApi("k"), actions: { delay: "5x" } }], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the refused reload", () => logEvents(r).some((e) => e.event === "reload-failed"));
    expect(logEvents(r).find((e) => e.event === "reload-failed")!.error).toBe(`config ${config}: rules[0].actions.delay: "5x" is not a duration (Go's form: "300ms", "1.5s", "2m30s")`);
    expect((await send(p2, { path: "/web" })).code).toBe(418);

    // the second listener removed
    writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the second reload", () => logEvents(r).filter((e) => e.event === "reloaded").length === 2);
    expect((await send(p1, { path: "/api/users" })).code).toBe(200);
    await expect(send(p2)).rejects.toThrow(/ECONNREFUSED/);

    r.child.kill("SIGTERM");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  }, 30_000);

  it("exits 2 with the reason on stderr for a bad config", async () => {
    writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [{ ...abortApi("k"), target: "Both" }], tls: null });
    const r = run(process.execPath, [main, "--config", config]);
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.stdout()).toBe("");
    expect(logEvents(r)[0]!.error).toBe(`config ${config}: rules[0].target: "Both" is not "Request" or "Response"`);
  }, 15_000);

  it("exits 1 when it cannot listen", async () => {
    const p = await freePort();
    const holder = createServer().listen(p, testHost);
    try {
      writeConfig({ listeners: [{ port: p, serverPort: 8080 }], rules: [], tls: null });
      const r = run(process.execPath, [main, "--config", config, "--host", testHost]);
      expect(await r.exited).toEqual({ code: 1, signal: null });
      expect(logEvents(r)[0]!.event).toBe("cannot-listen");
    } finally {
      holder.close();
    }
  }, 15_000);

  it("exits 0 by itself when it is alone in its network namespace (the pod is gone)", async () => {
    writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [], tls: null });
    const r = run("unshare", ["--net", process.execPath, main, "--config", config, "--orphan-check-ms", "200"]);
    await r.ready;
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 15_000);

  // the namespace's holder is a root `sleep`; the proxy runs as root (reads the holder's ns link)
  // and, as the daemon runs it, as an unprivileged uid (finds its socket in the holder's TCP table)
  it.each([
    ["as root", [] as string[]],
    ["as an unprivileged uid", ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--no-new-privs"]],
  ])("%s: stays while another process shares its namespace, exits once that one is gone", async (_, drop) => {
    writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [], tls: null });
    const holder = run("unshare", ["--net", "sleep", "600"]);
    await waitUntil("unshare to exec sleep", () => readComm(holder.child.pid!) === "sleep");
    const r = run("nsenter", ["--net=/proc/" + holder.child.pid + "/ns/net", "--", ...drop, process.execPath, main, "--config", config, "--orphan-check-ms", "100"]);
    await r.ready;
    await new Promise((res) => setTimeout(res, 800)); // eight checks
    expect(r.child.exitCode).toBeNull();
    holder.child.kill("SIGKILL");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 20_000);

  it("as an unprivileged uid: still finds its namespace shared after a reload removed its first listener", async () => {
    writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }, { port: 15081, serverPort: 8081 }], rules: [], tls: null });
    const holder = run("unshare", ["--net", "sleep", "600"]);
    await waitUntil("unshare to exec sleep", () => readComm(holder.child.pid!) === "sleep");
    const drop = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--no-new-privs"];
    const r = run("nsenter", ["--net=/proc/" + holder.child.pid + "/ns/net", "--", ...drop, process.execPath, main, "--config", config, "--orphan-check-ms", "100"]);
    expect(await r.ready).toEqual([15080, 15081]);
    await new Promise((res) => setTimeout(res, 300));
    writeConfig({ listeners: [{ port: 15081, serverPort: 8081 }], rules: [], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    await new Promise((res) => setTimeout(res, 800)); // eight checks, on the socket of 15081 now
    expect(r.child.exitCode).toBeNull();
    holder.child.kill("SIGKILL");
    expect(await r.exited).toEqual({ code: 0, signal: null });
  }, 20_000);
});

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
