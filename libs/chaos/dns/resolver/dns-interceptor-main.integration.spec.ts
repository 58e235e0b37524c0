// The interceptor's process, built (`npx nx run @faultline/chaos:build` → libs/chaos/dist), run as
// a real child: its ready line, answers, SIGHUP, SIGTERM, a bad config, and its exit once no other
// process shares its network namespace (real namespaces from unshare/nsenter; needs root, no cluster).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import dnsPacket from "dns-packet";
import { helperProcessHarness, logEvents, orphanExitSpecs, waitUntil } from "../../pod-netns-process/helper-process.test-support.js";
import { dnsInterceptorMainPath } from "./dns-interceptor-path.js";
import { encodeQuery, rcodeOf, startTestUpstream, udpQuery, tcpQuery, type TestUpstream } from "./dns-interceptor.test-support.js";

const main = dnsInterceptorMainPath();
const interceptorArgs = (config: string, extra: string[] = []) => [main, "--config", config, "--port", "0", ...extra];

describe("dns-interceptor-main as a process", () => {
  const h = helperProcessHarness("the interceptor process", main, (line) => line["port"] as number);
  let upstream: TestUpstream;

  beforeAll(async () => {
    upstream = await startTestUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it("prints one ready line, answers, reloads on SIGHUP (keeping the old config when the new one is bad) and exits 0 on SIGTERM", async () => {
    h.writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/a", action: "error", patterns: ["api.example.test"] }] });
    const r = h.run(process.execPath, interceptorArgs(h.config, ["--host", "127.0.0.1", "--orphan-check-ms", "0"]));
    const port = await r.ready;
    expect(r.stdout()).toBe(`{"ready":true,"port":${port}}\n`);

    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("SERVFAIL");
    const web = encodeQuery("web.example.test", "A", 4321);
    expect((await udpQuery(port, web)).equals(await udpQuery(upstream.port, web))).toBe(true);
    const [tcpReply] = await tcpQuery(port, encodeQuery("large.example.test", "A"));
    expect(dnsPacket.decode(tcpReply!).answers).toHaveLength(40);

    h.writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/b", action: "random", patterns: ["web.*"] }] });
    r.child.kill("SIGHUP");
    await waitUntil("the reload", () => logEvents(r).some((e) => e.event === "reloaded"));
    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("NOERROR");
    const random = dnsPacket.decode(await udpQuery(port, encodeQuery("web.example.test", "A"))).answers as Array<{ data: string }>;
    expect(random[0]!.data).not.toBe("192.0.2.20");

    h.writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "ns/c", action: "explode", patterns: [] }] });
    r.child.kill("SIGHUP");
    await waitUntil("the refused reload", () => logEvents(r).some((e) => e.event === "reload-failed"));
    expect(logEvents(r).find((e) => e.event === "reload-failed")!.error).toContain('rules[0].action is "explode"');
    expect(rcodeOf(await udpQuery(port, encodeQuery("api.example.test", "A")))).toBe("NOERROR"); // the rules before stay

    r.child.kill("SIGTERM");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  }, 30_000);

  it("exits 2 with the reason on stderr for a bad config", async () => {
    h.writeConfig({ upstreams: [upstream.address], rules: [{ recordKey: "k", action: "error", patterns: ["a*b"] }] });
    const r = h.run(process.execPath, interceptorArgs(h.config, ["--host", "127.0.0.1"]));
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.stdout()).toBe("");
    expect(logEvents(r)[0]!.error).toBe(`config ${h.config}: rules[0].patterns[0]: pattern "a*b" has "*" before its end: only a trailing "*" is allowed`);
  }, 15_000);

  it("exits 2 naming a missing --port", async () => {
    h.writeConfig({ upstreams: ["10.0.0.10"], rules: [] });
    const r = h.run(process.execPath, [main, "--config", h.config]);
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(logEvents(r)[0]).toMatchObject({ event: "bad-start", error: "--port <n> is required" });
  }, 15_000);

  orphanExitSpecs(
    h,
    () => h.writeConfig({ upstreams: ["10.0.0.10"], rules: [] }),
    (ms) => interceptorArgs(h.config, ["--orphan-check-ms", String(ms)]),
  );
});
