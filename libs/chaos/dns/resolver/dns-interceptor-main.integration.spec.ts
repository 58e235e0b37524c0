// The interceptor's process, built (`npx nx run @faultline/chaos:build` → libs/chaos/dist), run as
// a real child: its ready line, answers, SIGHUP, SIGTERM, a bad config, and its exit once no other
// process shares its network namespace (real namespaces from unshare/nsenter; needs root, no cluster).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import dnsPacket from "dns-packet";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRealParts } from "@faultline/test-ground";
import { dnsInterceptorMainPath } from "./dns-interceptor-path.js";
import { encodeQuery, rcodeOf, startTestUpstream, udpQuery, tcpQuery, type TestUpstream } from "./dns-interceptor.test-support.js";

const main = dnsInterceptorMainPath();

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the port of the ready line; rejects if it exits first. */
  ready: Promise<number>;
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
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.includes('"ready"'));
      if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then((e) => reject(new Error(`exited ${JSON.stringify(e)} before it was ready: ${err}`)));
  });
  ready.catch(() => {});
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

const interceptorArgs = (config: string, extra: string[] = []) => [main, "--config", config, "--port", "0", ...extra];
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

describe("dns-interceptor-main as a process", () => {
  let dir: string;
  let upstream: TestUpstream;
  let config: string;

  beforeAll(async () => {
    requireRealParts("the interceptor process");
    if (!existsSync(main)) throw new Error(`${main} is missing: run npx nx run @faultline/chaos:build`);
    dir = mkdtempSync(join(tmpdir(), "faultline-dns-main-"));
    chmodSync(dir, 0o755); // the unprivileged case reads the config, as the daemon's interceptor does (0644)
    config = join(dir, "config.json");
    upstream = await startTestUpstream();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (value: unknown) => writeFileSync(config, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o644 });

  it("prints one ready line, answers, reloads on SIGHUP (keeping the old config when the new one is bad) and exits 0 on SIGTERM", async () => {
    writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/a", action: "error", patterns: ["api.example.test"] }] });
    const r = run(process.execPath, interceptorArgs(config, ["--host", "127.0.0.1", "--orphan-check-ms", "0"]));
    const port = await r.ready;
    expect(r.stdout()).toBe(`{"ready":true,"port":${port}}\n`);

    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("SERVFAIL");
    const web = encodeQuery("web.example.test", "A", 4321);
    expect((await udpQuery(port, web)).equals(await udpQuery(upstream.port, web))).toBe(true);
    const [tcpReply] = await tcpQuery(port, encodeQuery("large.example.test", "A"));
    expect(dnsPacket.decode(tcpReply!).answers).toHaveLength(40);

    writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/b", action: "random", patterns: ["web.*"] }] });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("NOERROR");
    const random = dnsPacket.decode(await udpQuery(port, encodeQuery("web.example.test", "A"))).answers as Array<{ data: string }>;
    expect(random[0]!.data).not.toBe("192.0.2.20");

    writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/c", action: "explode", patterns: [] }] });
    r.child.kill("SIGHUP");
    await waitUntil("the refused reload", () => logEvents(r).some((e) => e.event === "reload-failed"));
    expect(logEvents(r).find((e) => e.event === "reload-failed")!.error).toContain('rules[0].action is "explode"');
    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("NOERROR"); // the rules before stay

    r.child.kill("SIGTERM");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  }, 30_000);

  it("exits 2 with the reason on stderr for a bad config", async () => {
    writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "k", action: "error", patterns: ["a*b"] }] });
    const r = run(process.execPath, interceptorArgs(config, ["--host", "127.0.0.1"]));
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.stdout()).toBe("");
    expect(logEvents(r)[0]!.error).toBe(`config ${config}: rules[0].patterns[0]: pattern "a*b" has "*" before its end: only a trailing "*" is allowed`);
  }, 15_000);

  it("exits 0 by itself when it is alone in its network namespace (the pod is gone)", async () => {
    writeConfig({ upstreams: ["10.0.0.10"], rules: [] });
    // unshare execs node in a new network namespace of its own: nothing else is in it
    const r = run("unshare", ["--net", process.execPath, ...interceptorArgs(config, ["--orphan-check-ms", "200"])]);
    await r.ready;
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 15_000);

  // the namespace's holder is a root `sleep`; the interceptor runs as root (reads the holder's ns
  // link) and, as the daemon runs it, as an unprivileged uid (finds its socket in the holder's UDP table)
  it.each([
    ["as root", [] as string[]],
    ["as an unprivileged uid", ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--no-new-privs"]],
  ])("%s: stays while another process shares its namespace, exits once that one is gone", async (_, drop) => {
    writeConfig({ upstreams: ["10.0.0.10"], rules: [] });
    const holder = run("unshare", ["--net", "sleep", "600"]);
    await waitUntil("the holder's namespace", () => existsSync(`/proc/${holder.child.pid}/ns/net`));
    const argv = ["--net=/proc/" + holder.child.pid + "/ns/net", "--", ...drop, process.execPath, ...interceptorArgs(config, ["--orphan-check-ms", "100"])];
    // the holder must be in its new namespace before nsenter joins it: unshare execs sleep once it is
    await waitUntil("unshare to exec sleep", () => readComm(holder.child.pid!) === "sleep");
    const r = run("nsenter", argv);
    await r.ready;
    await new Promise((res) => setTimeout(res, 800)); // eight checks
    expect(r.child.exitCode).toBeNull();
    holder.child.kill("SIGKILL");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 20_000);
});

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
