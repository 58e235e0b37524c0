import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { NodeCapabilitiesSchema, Tc_Type, type NodeCapabilities } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { NamespaceProcessRunner, callDaemonHandler, nodeCapabilityProbeFor } from "@faultline/daemon-server";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { networkDaemonHandlers } from "./network-daemon-handlers.js";
import { onKernelWithout } from "./kernel-qdiscs.test-support.js";
import { NetworkPods, inPod, nodeInPod, receiverInPod, udpDelivered, type NetworkPod } from "./network-pods.test-support.js";

// Traffic control for real, between pods with their own network namespaces: tbf bandwidth
// measured, per-target htb+CLASSIFY shaping, netem-less loss by iptables statistic counted, and the
// kernel's refusals (this kernel has no netem, prio, sfq) turned into errors with nothing left over.

/** Sends TCP as fast as it can from `from` to `to` for `seconds`; the receiver's bytes per second. */
async function throughput(from: NetworkPod, to: NetworkPod, port: number, seconds = 4, host = to.ip): Promise<number> {
  const receiver = receiverInPod(
    to,
    `let n=0,t0=0,t1=0;const s=require("net").createServer(c=>{c.on("data",d=>{if(!t0)t0=Date.now();n+=d.length;t1=Date.now()});c.on("end",()=>{console.log(JSON.stringify({n,ms:t1-t0}));process.exit(0)})}).listen(+process.argv[1],()=>console.log("ready"))`,
    [String(port)],
    60_000,
  );
  await receiver.ready;
  await nodeInPod(
    from,
    `const chunk=Buffer.alloc(65536,120);const end=Date.now()+(+process.argv[3])*1000;const c=require("net").connect(+process.argv[2],process.argv[1],()=>{const pump=()=>{while(Date.now()<end){if(!c.write(chunk))return c.once("drain",pump)}c.end()};pump()});c.on("close",()=>process.exit(0))`,
    [host, String(port), String(seconds)],
    60_000,
  ).catch((e: unknown) => {
    receiver.stop(); // a sender that failed never ends the receiver's connection
    throw e;
  });
  const { n, ms } = JSON.parse(await receiver.output) as { n: number; ms: number };
  return n / (ms / 1000);
}

const qdiscs = async (pod: NetworkPod) =>
  (JSON.parse(await inPod(pod, ["tc", "-j", "qdisc", "show", "dev", "eth0"])) as { kind: string; handle: string; parent?: string; options?: unknown }[]).map(
    ({ kind, handle, parent, options }) => ({ kind, handle, parent, options }),
  );
const mangle = async (pod: NetworkPod) => (await inPod(pod, ["iptables-save", "-t", "mangle"])).split("\n").filter((l) => l.startsWith("-A ") || l.startsWith(":FAULTLINE"));

describe("SetTcs between real pods", () => {
  const pods = new NetworkPods();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const runner = new NamespaceProcessRunner();
  let handlers = networkDaemonHandlers({ runtime, runner });
  let source: NetworkPod;
  let target: NetworkPod;
  let other: NetworkPod;
  let caps: NodeCapabilities;
  let port = 9100;

  const setTcs = (pod: NetworkPod, tcs: unknown[], h = handlers) =>
    callDaemonHandler(h, "setTcs", { containerId: pod.containerId, enterNs: true, tcs: tcs as never });
  const bandwidth = (rate: string, ipset = "") => ({ type: Tc_Type.BANDWIDTH, tbf: { rate, limit: 200_000, buffer: 32_000 }, ipset, device: "eth0" });
  const loss = (pct: number, ipset = "") => ({ type: Tc_Type.NETEM, netem: { loss: pct }, ipset, device: "eth0" });
  const delay = (time: string) => ({ type: Tc_Type.NETEM, netem: { time }, device: "eth0" });
  const isClean = async (pod: NetworkPod) => {
    expect((await qdiscs(pod)).map((q) => q.kind)).toEqual(["noqueue"]);
    expect(await mangle(pod)).toEqual([]);
  };

  beforeAll(async () => {
    [source, target, other] = await Promise.all([pods.start("tc-src"), pods.start("tc-tgt"), pods.start("tc-other")]);
    caps = await nodeCapabilityProbeFor(runner).get();
  }, 120_000);

  afterAll(async () => {
    await pods.removeAll();
    runtime.close();
  }, 60_000);

  it("bandwidth (tbf) holds measured throughput within 20% of the rate, and SetTcs([]) lifts it", async () => {
    const unlimited = await throughput(source, target, port++, 2);
    await setTcs(source, [bandwidth("8mbit")]);
    const limited = await throughput(source, target, port++);
    expect(limited / 1_000_000).toBeGreaterThan(0.8);
    expect(limited / 1_000_000).toBeLessThan(1.2);
    expect(unlimited).toBeGreaterThan(3 * limited);
    await setTcs(source, []);
    await isClean(source);
  }, 120_000);

  it("bandwidth to one target only (htb class chosen by CLASSIFY -m set where prio/sfq are missing)", async () => {
    await callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [{ name: "bw_tgt", type: "hash:net", cidrs: [target.ip] }] });
    await setTcs(source, [bandwidth("8mbit", "bw_tgt")]);
    if (!caps.qdiscs.includes("prio")) expect((await qdiscs(source)).map((q) => q.kind)).toContain("htb");
    const toTarget = await throughput(source, target, port++);
    const toOther = await throughput(source, other, port++, 2);
    expect(toTarget / 1_000_000).toBeGreaterThan(0.8);
    expect(toTarget / 1_000_000).toBeLessThan(1.2);
    expect(toOther).toBeGreaterThan(3 * toTarget);
    await setTcs(source, []);
    await callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [] });
    await isClean(source);
  }, 120_000);

  it("bandwidth to an IPv6 peer only: an inet6 ipset, CLASSIFY in ip6tables' mangle table", async () => {
    if (!caps.ip6tables || !caps.ipsetInet6 || !target.ip6) throw new Error("this node or pod cannot do IPv6 here");
    await callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [{ name: "bw6_tgt", type: "hash:net", cidrs: [target.ip6] }] });
    await setTcs(source, [bandwidth("8mbit", "bw6_tgt")]);
    expect(await inPod(source, ["ip6tables-save", "-t", "mangle"])).toMatch(/-A FAULTLINE-TC -o eth0 -m set --match-set bw6_tgt dst,dst -j CLASSIFY --set-class 0001:0002/);
    expect(await mangle(source)).toEqual([]); // nothing for IPv4
    const overV6 = await throughput(source, target, port++, 4, `${target.ip6}%eth0`);
    const overV4 = await throughput(source, target, port++, 2);
    expect(overV6 / 1_000_000).toBeGreaterThan(0.8);
    expect(overV6 / 1_000_000).toBeLessThan(1.2);
    expect(overV4).toBeGreaterThan(3 * overV6);
    await setTcs(source, []);
    await callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [] });
    await isClean(source);
    expect(await inPod(source, ["ip6tables-save", "-t", "mangle"])).not.toMatch(/FAULTLINE/);
  }, 120_000);

  onKernelWithout("netem")("loss without netem drops about the asked share by iptables statistic, saying so", async () => {
    const logLines: { [k: string]: unknown }[] = [];
    await callDaemonHandler(handlers, "setTcs", { containerId: source.containerId, tcs: [loss(25)] as never }, { logLines: logLines as never });
    expect(JSON.stringify(logLines)).toMatch(/by iptables statistic: this node has no sch_netem/);
    const sent = 4000;
    const got = await udpDelivered(source, target, port++, sent);
    expect(1 - got / sent).toBeGreaterThan(0.2);
    expect(1 - got / sent).toBeLessThan(0.3);
    await setTcs(source, []);
    expect(await udpDelivered(source, target, port++, 1000)).toBeGreaterThan(990);
    await isClean(source);
  }, 120_000);

  onKernelWithout("netem")("composes bandwidth and loss in one request; a request without the loss keeps the bandwidth", async () => {
    await setTcs(source, [bandwidth("8mbit"), loss(25)]);
    const got = await udpDelivered(source, target, port++, 2000);
    expect(1 - got / 2000).toBeGreaterThan(0.2);
    await setTcs(source, [bandwidth("8mbit")]);
    expect(await mangle(source)).toEqual([]);
    expect(await udpDelivered(source, target, port++, 1000)).toBeGreaterThan(990);
    const limited = await throughput(source, target, port++, 3);
    expect(limited / 1_000_000).toBeLessThan(1.2);
  }, 120_000);

  it("a restarted daemon re-applying the same tcs leaves the same qdiscs and rules", async () => {
    await setTcs(source, [bandwidth("8mbit"), loss(10)]);
    const before = { q: await qdiscs(source), m: await mangle(source) };
    const restarted = networkDaemonHandlers({ runtime, runner: new NamespaceProcessRunner() });
    await setTcs(source, [bandwidth("8mbit"), loss(10)], restarted);
    await setTcs(source, [bandwidth("8mbit"), loss(10)], restarted);
    expect({ q: await qdiscs(source), m: await mangle(source) }).toEqual(before);
    await setTcs(source, [], restarted);
    await isClean(source);
  }, 60_000);

  onKernelWithout("netem")("the kernel's refusal of netem becomes FailedPrecondition naming the node and qdisc/netem, the previous state put back", async () => {
    await setTcs(source, [bandwidth("8mbit")]);
    const previous = await qdiscs(source);
    const error = await setTcs(source, [bandwidth("4mbit"), delay("100ms")]).then(() => undefined, (e: unknown) => e as ConnectError);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.code).toBe(Code.FailedPrecondition);
    expect(error!.rawMessage).toContain(`node ${caps.nodeName} cannot do this: it lacks qdisc/netem (kernel module sch_netem)`);
    expect(error!.rawMessage).toMatch(/Specified qdisc kind is unknown|Specified qdisc not found/);
    expect(await qdiscs(source)).toEqual(previous);
    await setTcs(source, []);
    // a daemon that knows no previous state (restarted) leaves the namespace clean, rules included
    await setTcs(source, [bandwidth("8mbit"), loss(10)]);
    const fresh = networkDaemonHandlers({ runtime, runner: new NamespaceProcessRunner() });
    await expect(setTcs(source, [bandwidth("4mbit"), delay("100ms")], fresh)).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await isClean(source);
  }, 60_000);

  onKernelWithout("prio")("Chaos Mesh's prio+sfq layout, tried on a node that only claims prio and sfq, is refused whole: nothing left", async () => {
    const claimed = create(NodeCapabilitiesSchema, { ...caps, qdiscs: [...caps.qdiscs, "prio", "sfq"] });
    const lying = networkDaemonHandlers({ runtime, runner }, { capabilities: async () => claimed });
    await callDaemonHandler(lying, "flushIPSets", { containerId: source.containerId, ipsets: [{ name: "bw_tgt", type: "hash:net", cidrs: [target.ip] }] });
    const error = await setTcs(source, [bandwidth("8mbit"), bandwidth("4mbit", "bw_tgt")], lying).then(() => undefined, (e: unknown) => e as ConnectError);
    expect(error?.code).toBe(Code.FailedPrecondition);
    expect(error?.rawMessage).toContain("it lacks qdisc/prio (kernel module sch_prio)");
    expect(error?.rawMessage).toContain("tc qdisc add dev eth0 parent 1: handle 2: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1");
    await isClean(source);
    await callDaemonHandler(lying, "flushIPSets", { containerId: source.containerId, ipsets: [] });
  }, 60_000);
});
