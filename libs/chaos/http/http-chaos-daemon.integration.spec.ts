import { Code } from "@connectrpc/connect";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { NetworkPods, inPod, nodeInPod, type NetworkPod } from "../network/daemon/network-pods.test-support.js";
import type { PodHttpState } from "./daemon/http-state.js";
import { ProcessProxyLauncher } from "./daemon/proxy-process.js";
import { defaultHostPaths } from "../stress/cgroup-target.js";
import { daemonClient, expectConfinedToPod, podStates, processAlive, until } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import { startHTTPChaosTestDaemon, type HTTPChaosTestDaemon } from "./http-daemon.test-support.js";

// Real containerd pods with their own network namespaces: the target serves HTTP on 8080 (busybox
// httpd: /index.html "hello", /api/x "api"), the client is ANOTHER pod, so its requests arrive
// through the target's PREROUTING; the real proxy (the built proxy/http-proxy-main.js, through
// nsenter and setpriv), real iptables in the target's namespace, real gRPC.
type Answer = { status?: number; body?: string; error?: string };
// one request from inside the client pod's network namespace (the test's node), on a new connection
const getScript = `const [host,port,path]=process.argv.slice(1);
const req=require("http").get({host,port:+port,path,agent:false,timeout:4000},r=>{let b="";r.on("data",c=>b+=c);r.on("end",()=>{console.log(JSON.stringify({status:r.statusCode,body:b.trim()}));process.exit(0)})});
req.on("timeout",()=>{console.log(JSON.stringify({error:"timeout"}));process.exit(0)});req.on("error",e=>{console.log(JSON.stringify({error:e.code||e.message}));process.exit(0)})`;

const abortApi = { target: "Request", selector: { port: 8080, path: "/api/*" }, actions: { abort: true }, port: 8080 };
const replace503 = { target: "Response", selector: { port: 8080, path: "/index.html" }, actions: { replace: { code: 503 } }, port: 8080 };
// the same files on 8080 and 9090 (the second httpd in the background)
const serverCommand = ["sh", "-c", "mkdir -p /www/api && echo hello > /www/index.html && echo api > /www/api/x && httpd -p 9090 -h /www && exec httpd -f -p 8080 -h /www"];

describe("httpChaosDaemon (real pods, real proxy, real HTTP)", () => {
  const pods = new NetworkPods(defaultTestContainerdSocket());
  let daemon: HTTPChaosTestDaemon;
  let clientPod: NetworkPod;
  let client: ReturnType<typeof daemonClient>;

  const get = async (target: NetworkPod, path: string, port = 8080): Promise<Answer> => JSON.parse((await nodeInPod(clientPod, getScript, [target.ip, String(port), path])).trim()) as Answer;
  const stateOf = (d: HTTPChaosTestDaemon) => podStates<PodHttpState>(d);
  const natOf = (pod: NetworkPod) => inPod(pod, ["iptables-save", "-t", "nat"]);
  const exec = (pod: NetworkPod, recordKey: string, rules: unknown[]) => client.execHTTPChaos({ containerId: pod.containerId, recordKey, rules: JSON.stringify(rules), tls: "" });

  async function targetPod(name: string, from = pods): Promise<NetworkPod> {
    const pod = await from.start(name, serverCommand);
    await until(async () => expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" }), 15_000);
    return pod;
  }

  beforeAll(async () => {
    clientPod = await pods.start("http-client");
    daemon = await startHTTPChaosTestDaemon();
    client = daemonClient(daemon);
  }, 120_000);

  afterAll(async () => {
    for (const s of daemon ? stateOf(daemon) : []) for (const r of s.records) await client.recoverHTTPChaos({ containerId: r.containerId, recordKey: r.recordKey }).catch(() => undefined);
    await daemon?.stop();
    await pods.removeAll();
  }, 120_000);

  it("abort on /api/* closes those requests and leaves others alone; the proxy runs unprivileged in the pod; recovery restores direct serving", async () => {
    const pod = await targetPod("http-abort");
    expect(await get(pod, "/api/x")).toEqual({ status: 200, body: "api" });
    await exec(pod, "uid-ab/r1", [abortApi]);
    expect(await get(pod, "/api/x")).toEqual({ error: "ECONNRESET" });
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });

    const nat = await natOf(pod);
    expect(nat).toMatch(/-A PREROUTING -p tcp -j FAULTLINE-HTTP/);
    expect(nat).toMatch(/-A FAULTLINE-HTTP -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 15080/);
    const [state] = stateOf(daemon);
    const pid = state!.proxy!.pid;
    expectConfinedToPod(pid, pod.pid, 2000080);

    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-ab/r1" });
    expect(await get(pod, "/api/x")).toEqual({ status: 200, body: "api" });
    expect(await natOf(pod)).not.toMatch(/FAULTLINE-HTTP/);
    await until(() => expect(processAlive(pid)).toBe(false));
    expect(stateOf(daemon)).toEqual([]);
  }, 90_000);

  it("two keys compose on one proxy (abort and a replaced code); recovering one leaves the other; ListHTTPChaos lists what is held", async () => {
    const pod = await targetPod("http-compose");
    await exec(pod, "uid-a/r1", [abortApi]);
    const first = stateOf(daemon)[0]!.proxy!.pid;
    await exec(pod, "uid-b/r1", [replace503]);
    expect(stateOf(daemon)[0]!.proxy!.pid).toBe(first);
    await until(async () => expect(await get(pod, "/index.html")).toMatchObject({ status: 503 }));
    expect(await get(pod, "/api/x")).toEqual({ error: "ECONNRESET" });
    const { injections } = await client.listHTTPChaos({});
    expect(injections.map((i) => [i.recordKey, i.containerId, JSON.parse(i.rules)])).toEqual([
      ["uid-a/r1", pod.containerId, [abortApi]],
      ["uid-b/r1", pod.containerId, [replace503]],
    ]);
    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-a/r1" });
    await until(async () => expect(await get(pod, "/api/x")).toEqual({ status: 200, body: "api" }));
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });
    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-b/r1" });
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });
    expect((await client.listHTTPChaos({})).injections).toEqual([]);
  }, 90_000);

  it("a record on another port: the live proxy listens there after SIGHUP, then that port is redirected; recovering it removes that redirect, the first port still taken", async () => {
    const pod = await targetPod("http-ports");
    await until(async () => expect(await get(pod, "/index.html", 9090)).toEqual({ status: 200, body: "hello" }));
    await exec(pod, "uid-p/r1", [replace503]);
    const pid = stateOf(daemon)[0]!.proxy!.pid;
    await exec(pod, "uid-p/r2", [{ ...abortApi, selector: { port: 9090, path: "/api/*" }, port: 9090 }]);
    expect(stateOf(daemon)[0]).toMatchObject({ proxy: { pid }, listeners: [{ serverPort: 8080, proxyPort: 15080 }, { serverPort: 9090, proxyPort: 15081 }], redirected: [8080, 9090] });
    expect(await natOf(pod)).toMatch(/--dport 9090 -j REDIRECT --to-ports 15081/);
    expect(await get(pod, "/api/x", 9090)).toEqual({ error: "ECONNRESET" });
    expect(await get(pod, "/index.html", 9090)).toEqual({ status: 200, body: "hello" });
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });
    expect(await get(pod, "/api/x")).toEqual({ status: 200, body: "api" }); // 9090's rule is not 8080's
    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-p/r2" });
    expect(await natOf(pod)).not.toMatch(/--dport 9090/);
    expect(await get(pod, "/api/x", 9090)).toEqual({ status: 200, body: "api" });
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });
    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-p/r1" });
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });
  }, 90_000);

  it("ApplyHttpChaos (Chaos Mesh's message): the pod's whole rule set, answered with the proxy's pid and 200; empty rules remove it", async () => {
    const pod = await targetPod("http-apply");
    const answer = await client.applyHttpChaos({ rules: JSON.stringify([replace503]), proxyPorts: [8080], containerId: pod.containerId, enterNs: true });
    expect(answer.statusCode).toBe(200);
    expect(Number(answer.instance)).toBe(stateOf(daemon)[0]!.proxy!.pid);
    expect(Number(answer.startTime)).toBeGreaterThan(Date.now() - 120_000);
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });
    const bad = await client.applyHttpChaos({ rules: JSON.stringify([{ ...replace503, port: 0 }]), containerId: pod.containerId });
    expect(bad).toMatchObject({ statusCode: 400, error: expect.stringContaining("rules[0].port") });
    expect(await client.applyHttpChaos({ rules: "[]", containerId: pod.containerId })).toMatchObject({ statusCode: 200, instance: 0n });
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });
    expect(stateOf(daemon)).toEqual([]);
  }, 90_000);

  it("the daemon stopped mid-experiment: the proxy keeps serving; a new daemon adopts it; the proxy killed: the redirect goes (the server answers directly), then the proxy is back", async () => {
    const pod = await targetPod("http-restart");
    await exec(pod, "uid-rs/r1", [replace503]);
    await daemon.stop(); // nothing is cleaned up: as if it were killed
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });

    daemon = await startHTTPChaosTestDaemon({ stateDir: daemon.stateDir, reconcileIntervalMs: 300 });
    client = daemonClient(daemon);
    expect((await client.listHTTPChaos({})).injections.map((i) => i.recordKey)).toEqual(["uid-rs/r1"]);
    const adopted = stateOf(daemon)[0]!.proxy!.pid;
    await new Promise((r) => setTimeout(r, 700)); // a reconcile pass or two: the live proxy is kept
    expect(stateOf(daemon)[0]!.proxy!.pid).toBe(adopted);

    process.kill(adopted, "SIGKILL");
    // never a black hole: the redirect is removed at once, then the proxy started again
    await until(() => expect(daemon.lines).toContainEqual(expect.objectContaining({ message: expect.stringContaining("redirect removed") })), 10_000);
    await until(() => expect(stateOf(daemon)[0]?.proxy?.pid).not.toBe(adopted), 10_000);
    await until(async () => expect(await get(pod, "/index.html")).toMatchObject({ status: 503 }), 10_000);

    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-rs/r1" });
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });
    expect(stateOf(daemon)).toEqual([]);
  }, 90_000);

  it("a proxy killed while nothing can start it again: the redirect is removed, the server answers directly, the record shows lost", async () => {
    const pod = await targetPod("http-killed");
    await exec(pod, "uid-k/r1", [replace503]);
    await daemon.stop();
    // the same state, under a daemon whose proxy cannot start (its main script is not there)
    daemon = await startHTTPChaosTestDaemon({ stateDir: daemon.stateDir, reconcileIntervalMs: 300, launcher: new ProcessProxyLauncher({ main: "/nonexistent/http-proxy-main.js", paths: defaultHostPaths }) });
    client = daemonClient(daemon);
    const pid = stateOf(daemon)[0]!.proxy!.pid;
    expect(await get(pod, "/index.html")).toMatchObject({ status: 503 });
    process.kill(pid, "SIGKILL");
    await until(() => expect(stateOf(daemon)).toEqual([]), 10_000);
    expect(await get(pod, "/index.html")).toEqual({ status: 200, body: "hello" });
    expect(await natOf(pod)).not.toMatch(/FAULTLINE-HTTP/);
    expect(daemon.lines).toContainEqual(expect.objectContaining({ level: "error", message: expect.stringContaining("could not be started again") }));
    expect((await client.listHTTPChaos({})).injections).toEqual([]);
    // back to a working daemon for the rest
    await daemon.stop();
    daemon = await startHTTPChaosTestDaemon({ stateDir: daemon.stateDir });
    client = daemonClient(daemon);
  }, 90_000);

  it("the pod deleted mid-experiment: its proxy exits by itself, the state is cleaned, a later Recover is OK", async () => {
    const own = new NetworkPods(defaultTestContainerdSocket());
    const pod = await targetPod("http-gone", own);
    await exec(pod, "uid-gone/r1", [abortApi]);
    const pid = stateOf(daemon)[0]!.proxy!.pid;
    await own.removeAll();
    await until(() => expect(processAlive(pid)).toBe(false), 15_000);
    await until(() => expect(stateOf(daemon)).toEqual([]), 10_000);
    await client.recoverHTTPChaos({ containerId: pod.containerId, recordKey: "uid-gone/r1" });
    expect((await client.listHTTPChaos({})).injections).toEqual([]);
  }, 90_000);

  it("refuses a hostNetwork target with FailedPrecondition, and an unknown container with NotFound", async () => {
    const host = new CriPodFixture(defaultTestContainerdSocket());
    try {
      const { containerId } = await host.startContainer({ name: "http-hostnet" });
      await expect(client.execHTTPChaos({ containerId, recordKey: "uid-h/r1", rules: JSON.stringify([abortApi]), tls: "" })).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("hostNetwork") });
      await expect(client.execHTTPChaos({ containerId: "containerd://" + "e".repeat(64), recordKey: "uid-h/r2", rules: JSON.stringify([abortApi]), tls: "" })).rejects.toMatchObject({ code: Code.NotFound });
      expect(stateOf(daemon)).toEqual([]);
    } finally {
      await host.removeAll();
      host.close();
    }
  }, 60_000);
});
