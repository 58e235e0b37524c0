// The proxy's process, built (`npx nx run @faultline/chaos:build` → libs/chaos/dist), run as a real
// child: its ready line, a rule applied to real HTTP, SIGHUP (rules and listeners), SIGTERM, a bad
// config, and its exit once no other process shares its network namespace (real namespaces from
// unshare/nsenter; needs root, no cluster).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer } from "node:net";
import { helperProcessHarness, logEvents, orphanExitSpecs, unprivileged, waitUntil } from "../../pod-netns-process/helper-process.test-support.js";
import { httpProxyMainPath } from "./http-proxy-path.js";
import { send, startTestServer, testHost, type TestServer } from "./http-proxy.test-support.js";

const main = httpProxyMainPath();

/** A port nothing listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, testHost, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe("http-proxy-main as a process", () => {
  const h = helperProcessHarness("the HTTP proxy process", main, (line) => line["ports"] as number[]);
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const abortApi = (recordKey: string) => ({ recordKey, target: "Request", selector: { path: "/api/*" }, actions: { abort: true }, port: server.port });

  it("prints one ready line, applies its rules, reloads rules and listeners on SIGHUP (keeping the config in force when the new one is bad) and exits 0 on SIGTERM", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    h.writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [abortApi("uid-a/ns/pod/c")], tls: null });
    const r = h.run(process.execPath, [main, "--config", h.config, "--host", testHost, "--orphan-check-ms", "0"]);
    expect(await r.ready).toEqual([p1]);
    expect(r.stdout()).toBe(`{"ready":true,"ports":[${p1}]}\n`);

    await expect(send(p1, { path: "/api/users" })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await send(p1, { path: "/web" })).code).toBe(200);

    // reload: another rule, and a second listener
    h.writeConfig({
      listeners: [{ port: p1, serverPort: server.port }, { port: p2, serverPort: server.port }],
      rules: [{ recordKey: "uid-b/ns/pod/c", target: "Response", selector: {}, actions: { replace: { code: 418 } }, port: server.port }],
      tls: null,
    });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    expect((await send(p1, { path: "/api/users" })).code).toBe(418);
    expect((await send(p2, { path: "/web" })).code).toBe(418);

    // a bad config: the one in force stays
    h.writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [{ ...abortApi("k"), actions: { delay: "5x" } }], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the refused reload", () => logEvents(r).some((e) => e.event === "reload-failed"));
    expect(logEvents(r).find((e) => e.event === "reload-failed")!.error).toBe(`config ${h.config}: rules[0].actions.delay: "5x" is not a duration (Go's form: "300ms", "1.5s", "2m30s")`);
    expect((await send(p2, { path: "/web" })).code).toBe(418);

    // the second listener removed
    h.writeConfig({ listeners: [{ port: p1, serverPort: server.port }], rules: [], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the second reload", () => logEvents(r).filter((e) => e.event === "reloaded").length === 2);
    expect((await send(p1, { path: "/api/users" })).code).toBe(200);
    await expect(send(p2)).rejects.toThrow(/ECONNREFUSED/);

    r.child.kill("SIGTERM");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  }, 30_000);

  it("exits 2 with the reason on stderr for a bad config", async () => {
    h.writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [{ ...abortApi("k"), target: "Both" }], tls: null });
    const r = h.run(process.execPath, [main, "--config", h.config]);
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.stdout()).toBe("");
    expect(logEvents(r)[0]!.error).toBe(`config ${h.config}: rules[0].target: "Both" is not "Request" or "Response"`);
  }, 15_000);

  it("exits 1 when it cannot listen", async () => {
    const p = await freePort();
    const holder = createServer().listen(p, testHost);
    try {
      h.writeConfig({ listeners: [{ port: p, serverPort: 8080 }], rules: [], tls: null });
      const r = h.run(process.execPath, [main, "--config", h.config, "--host", testHost]);
      expect(await r.exited).toEqual({ code: 1, signal: null });
      expect(logEvents(r)[0]!.event).toBe("cannot-listen");
    } finally {
      holder.close();
    }
  }, 15_000);

  orphanExitSpecs(
    h,
    () => h.writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }], rules: [], tls: null }),
    (ms) => [main, "--config", h.config, "--orphan-check-ms", String(ms)],
  );

  it("as an unprivileged uid: still finds its namespace shared after a reload removed its first listener", async () => {
    h.writeConfig({ listeners: [{ port: 15080, serverPort: 8080 }, { port: 15081, serverPort: 8081 }], rules: [], tls: null });
    const { holder, enter } = await h.holdNetns(unprivileged);
    const r = h.run("nsenter", [...enter, process.execPath, main, "--config", h.config, "--orphan-check-ms", "100"]);
    expect(await r.ready).toEqual([15080, 15081]);
    await new Promise((res) => setTimeout(res, 300));
    h.writeConfig({ listeners: [{ port: 15081, serverPort: 8081 }], rules: [], tls: null });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    await new Promise((res) => setTimeout(res, 800)); // eight checks, on the socket of 15081 now
    expect(r.child.exitCode).toBeNull();
    holder.child.kill("SIGKILL");
    expect(await r.exited).toEqual({ code: 0, signal: null });
  }, 20_000);
});
