import { Code } from "@connectrpc/connect";
import { Chain_Direction } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { NamespaceProcessRunner, callDaemonHandler } from "@faultline/daemon-server";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { networkDaemonHandlers } from "./network-daemon-handlers.js";
import { NetworkPods, canConnect, inPod, listenInPod, udpDelivered, type NetworkPod } from "./network-pods.test-support.js";

// Partition for real: three pods with their own network namespaces on the private containerd's
// bridge, ipsets and iptables chains put in the source pod's namespace by the handlers.
describe("partition (FlushIPSets + SetIptablesChains) between real pods", () => {
  const pods = new NetworkPods();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const runner = new NamespaceProcessRunner();
  let handlers = networkDaemonHandlers({ runtime, runner });
  let source: NetworkPod;
  let target: NetworkPod;
  let other: NetworkPod;
  const listeners: { stop(): void }[] = [];
  const port = 8080;

  const flush = (pod: NetworkPod, ipsets: { name: string; cidrs: string[] }[]) =>
    callDaemonHandler(handlers, "flushIPSets", { containerId: pod.containerId, enterNs: true, ipsets: ipsets.map((s) => ({ ...s, type: "hash:net" })) });
  const chains = (pod: NetworkPod, list: { name: string; direction: Chain_Direction; ipsets: string[] }[]) =>
    callDaemonHandler(handlers, "setIptablesChains", { containerId: pod.containerId, enterNs: true, chains: list.map((c) => ({ ...c, target: "DROP", device: "eth0" })) });
  const state = async (pod: NetworkPod) => ({
    filter: (await inPod(pod, ["iptables-save", "-t", "filter"])).replace(/^#.*\n/gm, "").replace(/\[\d+:\d+\]/g, ""),
    ipsets: await inPod(pod, ["ipset", "list", "-n"]),
  });

  beforeAll(async () => {
    [source, target, other] = await Promise.all([pods.start("src"), pods.start("tgt"), pods.start("other")]);
    for (const p of [source, target, other]) {
      const l = listenInPod(p, port);
      listeners.push(l);
      await l.ready;
    }
  }, 120_000);

  afterAll(async () => {
    listeners.forEach((l) => l.stop());
    await pods.removeAll();
    runtime.close();
  }, 60_000);

  it("reaches every pod before anything is injected", async () => {
    expect(await canConnect(source, target.ip, port)).toBe(true);
    expect(await canConnect(source, other.ip, port)).toBe(true);
    expect(await canConnect(target, source.ip, port)).toBe(true);
  }, 30_000);

  it("OUTPUT to an ipset stops traffic to the target only, and SetIptablesChains([]) + FlushIPSets([]) restore it", async () => {
    await flush(source, [{ name: "part_tgt", cidrs: [target.ip] }]);
    await chains(source, [{ name: "OUTPUT/part", direction: Chain_Direction.OUTPUT, ipsets: ["part_tgt"] }]);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    expect(await canConnect(source, other.ip, port)).toBe(true);
    expect(await canConnect(other, source.ip, port)).toBe(true);

    await chains(source, []);
    await flush(source, []);
    expect(await canConnect(source, target.ip, port)).toBe(true);
    const after = await state(source);
    expect(after.ipsets.trim()).toBe("");
    expect(after.filter).not.toMatch(/CHAOS|part/);
  }, 60_000);

  it("INPUT from an ipset stops connections from the target only", async () => {
    await flush(source, [{ name: "part_tgt", cidrs: [target.ip] }]);
    await chains(source, [{ name: "INPUT/part", direction: Chain_Direction.INPUT, ipsets: ["part_tgt"] }]);
    expect(await canConnect(target, source.ip, port)).toBe(false);
    expect(await canConnect(other, source.ip, port)).toBe(true);
    // recovery in Chaos Mesh's order (FlushIPSets first): the set still in use is emptied at once
    // and destroyed by the SetIptablesChains that frees it
    await flush(source, []);
    expect(await canConnect(target, source.ip, port)).toBe(true);
    expect((await state(source)).ipsets.trim()).toBe("part_tgt");
    await chains(source, []);
    expect((await state(source)).ipsets.trim()).toBe("");
  }, 60_000);

  it("drops only the chosen direction: OUTPUT stops datagrams to the target, not from it; INPUT the reverse", async () => {
    await flush(source, [{ name: "dir_tgt", cidrs: [target.ip] }]);
    await chains(source, [{ name: "OUTPUT/dir", direction: Chain_Direction.OUTPUT, ipsets: ["dir_tgt"] }]);
    expect(await udpDelivered(source, target, 9301, 200)).toBe(0);
    expect(await udpDelivered(target, source, 9302, 200)).toBeGreaterThan(195);
    await chains(source, [{ name: "INPUT/dir", direction: Chain_Direction.INPUT, ipsets: ["dir_tgt"] }]);
    expect(await udpDelivered(target, source, 9303, 200)).toBe(0);
    expect(await udpDelivered(source, target, 9304, 200)).toBeGreaterThan(195);
    await chains(source, []);
    await flush(source, []);
  }, 90_000);

  it("takes Chaos Mesh's ipset trio (hash:net, hash:net,port, list:set of both) and recovers in Chaos Mesh's order", async () => {
    const trio = [
      { name: "part_net_tgt", type: "hash:net", cidrs: [target.ip] },
      { name: "part_netport_tgt", type: "hash:net,port", cidrAndPorts: [{ cidr: other.ip, port }] },
      { name: "part_set_tgt", type: "list:set", setNames: ["part_net_tgt", "part_netport_tgt"] },
    ];
    await callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: trio });
    await chains(source, [{ name: "OUTPUT/trio", direction: Chain_Direction.OUTPUT, ipsets: ["part_set_tgt"] }]);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    expect(await canConnect(source, other.ip, port)).toBe(false); // other only on that port
    // Chaos Mesh's manager recovers with FlushIPSets([]), SetIptablesChains([]), SetTcs([])
    await flush(source, []);
    expect(await canConnect(source, target.ip, port)).toBe(true);
    expect(await canConnect(source, other.ip, port)).toBe(true);
    await chains(source, []);
    const after = await state(source);
    expect(after.ipsets.trim()).toBe("");
    expect(after.filter).not.toMatch(/CHAOS|trio/);
  }, 60_000);

  it("composes two partitions in one request; removing one leaves the other", async () => {
    await flush(source, [
      { name: "a_tgt", cidrs: [target.ip] },
      { name: "b_tgt", cidrs: [other.ip] },
    ]);
    await chains(source, [
      { name: "OUTPUT/a", direction: Chain_Direction.OUTPUT, ipsets: ["a_tgt"] },
      { name: "OUTPUT/b", direction: Chain_Direction.OUTPUT, ipsets: ["b_tgt"] },
    ]);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    expect(await canConnect(source, other.ip, port)).toBe(false);

    await flush(source, [{ name: "a_tgt", cidrs: [target.ip] }]);
    await chains(source, [{ name: "OUTPUT/a", direction: Chain_Direction.OUTPUT, ipsets: ["a_tgt"] }]);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    expect(await canConnect(source, other.ip, port)).toBe(true);
    const s = await state(source);
    expect(s.filter).not.toMatch(/OUTPUT\/b/);
    expect(s.ipsets.trim()).toBe("a_tgt");
  }, 60_000);

  it("a restarted daemon re-applying the same state changes nothing and keeps the partition", async () => {
    const before = await state(source);
    handlers = networkDaemonHandlers({ runtime, runner: new NamespaceProcessRunner() }); // fresh memory, as after a restart
    await flush(source, [{ name: "a_tgt", cidrs: [target.ip] }]);
    await chains(source, [{ name: "OUTPUT/a", direction: Chain_Direction.OUTPUT, ipsets: ["a_tgt"] }]);
    expect(await state(source)).toEqual(before);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    await chains(source, []);
    await flush(source, []);
    expect(await canConnect(source, target.ip, port)).toBe(true);
  }, 60_000);

  it("partitions IPv6 peers too: an inet6 ipset, its rule in ip6tables only", async () => {
    if (!target.ip6) throw new Error("the target pod has no IPv6 link-local address");
    const v6 = `${target.ip6}%eth0`;
    expect(await canConnect(source, v6, port)).toBe(true);
    await flush(source, [{ name: "v6_tgt", cidrs: [target.ip6] }]);
    await chains(source, [{ name: "OUTPUT/v6", direction: Chain_Direction.OUTPUT, ipsets: ["v6_tgt"] }]);
    expect(await canConnect(source, v6, port)).toBe(false);
    expect(await canConnect(source, target.ip, port)).toBe(true); // IPv4 to the same pod is not in the set
    expect(await inPod(source, ["ip6tables-save", "-t", "filter"])).toMatch(/-A OUTPUT\/v6 -o eth0 -m set --match-set v6_tgt dst,dst -j DROP/);
    expect(await inPod(source, ["iptables-save", "-t", "filter"])).not.toMatch(/v6_tgt/);
    await chains(source, []);
    await flush(source, []);
    expect(await canConnect(source, v6, port)).toBe(true);
    expect(await inPod(source, ["ip6tables-save", "-t", "filter"])).not.toMatch(/CHAOS/);
  }, 60_000);

  it("refuses to retype a set a rule still uses, or a list:set naming a set that exists nowhere, changing nothing", async () => {
    await flush(source, [{ name: "typed", cidrs: [target.ip] }]);
    await chains(source, [{ name: "OUTPUT/typed", direction: Chain_Direction.OUTPUT, ipsets: ["typed"] }]);
    const before = await state(source);
    const members = await inPod(source, ["ipset", "list", "typed"]);
    await expect(
      callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [{ name: "typed", type: "hash:net,port", cidrAndPorts: [{ cidr: other.ip, port: 80 }] }] }),
    ).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("ipset typed exists as hash:net inet and is in use") });
    await expect(
      callDaemonHandler(handlers, "flushIPSets", { containerId: source.containerId, ipsets: [{ name: "typed", cidrs: [other.ip] }, { name: "l", type: "list:set", setNames: ["nowhere"] }] }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(await state(source)).toEqual(before);
    expect(await inPod(source, ["ipset", "list", "typed"])).toBe(members);
    expect(await canConnect(source, target.ip, port)).toBe(false);
    await chains(source, []);
    await flush(source, []);
    expect((await state(source)).ipsets.trim()).toBe("");
  }, 60_000);

  it("refuses a chain naming an ipset the namespace lacks, changing nothing", async () => {
    const before = await state(source);
    await expect(chains(source, [{ name: "OUTPUT/x", direction: Chain_Direction.OUTPUT, ipsets: ["no_such_set"] }])).rejects.toThrow(/ipset no_such_set does not exist/);
    expect(await state(source)).toEqual(before);
  }, 30_000);
});
