import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { IPSetsRequestSchema, IptablesChainsRequestSchema, NodeCapabilitiesSchema, TcsRequestSchema, type Record } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { callDaemonHandler, type HostNamespaces, type NamespaceProcessRequest } from "@faultline/daemon-server";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { networkDaemonHandlers } from "./daemon/network-daemon-handlers.js";
import { networkChaosManager } from "./network-chaos-manager.js";

// NetworkChaos's plan against in-memory seams: the three requests it shows are what apply sends
// for the pod's whole state (a recording daemon), and the commands are the daemon's own builders'
// (ipset scripts, partition chains, planTrafficControl) for this node's capabilities.
const cid = (c: string) => "containerd://" + c.repeat(64);
const podOf = (name: string, nodeName: string, ip: string | undefined, extra: Partial<V1Pod["spec"]> = {}): V1Pod => ({
  metadata: { namespace: "ns", name, uid: `pod-${name}`, labels: { app: name.split("-")[0]! } },
  spec: { nodeName, containers: [{ name: "app" }], ...extra },
  status: { ...(ip && { podIP: ip, podIPs: [{ ip }] }), containerStatuses: [{ name: "app", containerID: cid(name.at(-1)!), image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
});
const pods = [podOf("web-1", "node-1", "10.0.0.1"), podOf("db-2", "node-1", "10.0.0.2"), podOf("web-3", "node-2", "10.0.0.3"), podOf("host-4", "node-1", "10.0.0.4", { hostNetwork: true }), podOf("db-5", "node-1", undefined)];
const running = { experiment: { desiredPhase: "Run" } } as NetworkChaos["status"];
const chaos = (name: string, uid: string, spec: Partial<NetworkChaos["spec"]>): NetworkChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  metadata: { namespace: "ns", name, uid },
  spec: { action: "delay", mode: "all", selector: { namespaces: ["ns"] }, device: "eth0", ...spec } as NetworkChaos["spec"],
});
const delay = chaos("delay", "uid-delay", { action: "delay", delay: { latency: "10ms", jitter: "1ms", correlation: "25" } } as Partial<NetworkChaos["spec"]>);
const partition = chaos("partition", "uid-partition", { action: "partition", direction: "to", target: { mode: "all", selector: { namespaces: ["ns"] } } } as Partial<NetworkChaos["spec"]>);
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "ns/x" });
const rec = (id: string, selectorKey = "."): Record => ({ id, selectorKey, phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }) as Record;

function setup(held: NetworkChaos[] = []) {
  const sent: { [rpc: string]: unknown[] } = { FlushIPSets: [], SetIptablesChains: [], SetTcs: [] };
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      getNodeCapabilities: async () =>
        node === "node-2"
          ? { nodeName: node, qdiscs: ["tbf"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "statistic"] } // no netem
          : { nodeName: node, qdiscs: ["netem", "prio", "sfq", "tbf", "htb"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "statistic", "CLASSIFY"], ip6tables: false },
      flushIPSets: async (req) => (sent["FlushIPSets"]!.push(toJson(IPSetsRequestSchema, req)), {}),
      setIptablesChains: async (req) => (sent["SetIptablesChains"]!.push(toJson(IptablesChainsRequestSchema, req)), {}),
      setTcs: async (req) => (sent["SetTcs"]!.push(toJson(TcsRequestSchema, req)), {}),
    });
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = { clientFor: (node: string, nn: string) => pools[node as keyof typeof pools].clientFor(node, nn), size: () => 2, close: () => undefined };
  const byId = new Map(pods.map((p) => [`${p.metadata!.namespace}/${p.metadata!.name}`, p]));
  const annotated: string[] = [];
  const impl = networkChaosManager({
    decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons }),
    onPod: async (podId) => held.filter((c) => (c.status?.experiment?.containerRecords ?? []).some((r) => r.id === podId)),
    readPods: async (ids) => new Map(ids.filter((id) => byId.has(id)).map((id) => [id, byId.get(id)!])),
    annotatePod: async (pod) => (annotated.push(pod.metadata!.name!), "2"),
    resolve: async () => [],
    log: () => undefined,
  });
  return { impl, sent, annotated };
}
const pid = (c: string) => `<host pid of container ${cid(c)}>`;

describe("NetworkChaos plan", () => {
  it("shows the three requests apply sends for a delay and the tc commands the daemon runs, sending and annotating nothing", async () => {
    const { impl, sent, annotated } = setup();
    const records = [rec("ns/web-1")];
    const plan = await impl.plan(ctx(), 0, records, delay);
    expect(Object.values(sent).flat()).toEqual([]);
    expect(annotated).toEqual([]);
    await impl.apply(ctx(), 0, records, delay);
    expect(plan.capable).toBe(true);
    expect(plan.steps.map((s) => s.rpc)).toEqual(["FlushIPSets", "SetIptablesChains", "SetTcs"]);
    expect(plan.steps.map((s) => s.request)).toEqual([sent["FlushIPSets"]![0], sent["SetIptablesChains"]![0], sent["SetTcs"]![0]]);
    expect(plan.steps[2]!.argv).toEqual([["nsenter", "-t", pid("1"), "-n", "--", "tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "netem", "delay", "10ms", "1ms", "25.000000"]]);
    expect(plan.steps[0]!.argv).toEqual([]);
    expect(plan.steps[1]!.argv).toEqual([]);
  });

  it("shows a partition's ipsets and chains as the daemon's ipset restore and iptables-restore scripts", async () => {
    const { impl, sent } = setup();
    const records = [rec("ns/web-1"), rec("ns/db-2", ".Target")];
    const plan = await impl.plan(ctx(), 0, records, partition);
    await impl.apply(ctx(), 0, records, partition);
    expect(plan.capable).toBe(true);
    expect(plan.steps.map((s) => s.request)).toEqual([sent["FlushIPSets"]![0], sent["SetIptablesChains"]![0], sent["SetTcs"]![0]]);
    // hash sets first, then the list:set naming them: two restores
    expect(plan.steps[0]!.argv).toEqual([["nsenter", "-t", pid("1"), "-n", "--", "ipset", "restore"], ["nsenter", "-t", pid("1"), "-n", "--", "ipset", "restore"]]);
    expect(plan.steps[0]!.note).toMatch(/create \S+ hash:net .*\| add \S+ 10\.0\.0\.2\/32 .*\|\| create \S+ list:set/);
    expect(plan.steps[1]!.argv).toEqual([["nsenter", "-t", pid("1"), "-n", "--", "iptables-restore", "-w", "5", "--noflush"]]);
    expect(plan.steps[1]!.note).toMatch(/\*filter .*-A CHAOS-OUTPUT -j \S+ .*-o eth0 -m set --match-set \S+ dst,dst -j DROP .*-I OUTPUT 1 -j CHAOS-OUTPUT/);
  });

  it("composes the pod's other running NetworkChaos into what it shows, as apply does", async () => {
    const other: NetworkChaos = { ...partition, status: { ...running, experiment: { ...running!.experiment, containerRecords: [rec("ns/web-1"), rec("ns/db-2", ".Target")] } } as NetworkChaos["status"] };
    const { impl, sent } = setup([other]);
    const plan = await impl.plan(ctx(), 0, [rec("ns/web-1")], delay);
    await impl.apply(ctx(), 0, [rec("ns/web-1")], delay);
    expect(plan.steps.map((s) => s.request)).toEqual([sent["FlushIPSets"]![0], sent["SetIptablesChains"]![0], sent["SetTcs"]![0]]);
    expect((plan.steps[1]!.request as { chains: unknown[] }).chains).toHaveLength(1);
    expect(plan.steps[0]!.note).toContain("composes this object with ns/partition");
  });

  it("is not capable on a node without netem, names what it lacks, and still shows what would be sent", async () => {
    const { impl, sent } = setup();
    const plan = await impl.plan(ctx(), 0, [rec("ns/web-3")], delay);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toMatch(/^node node-2 cannot perform this injection: missing .*netem/);
    expect((plan.steps[2]!.request as { tcs: unknown[] }).tcs).toHaveLength(1);
    await expect(impl.apply(ctx(), 0, [rec("ns/web-3")], delay)).rejects.toThrow(plan.reason!);
    expect(Object.values(sent).flat()).toEqual([]);
  });

  it("refuses a hostNetwork pod, and a partition whose other end has no address, as apply does", async () => {
    const { impl } = setup();
    const host = await impl.plan(ctx(), 0, [rec("ns/host-4")], delay);
    expect(host).toEqual({ capable: false, reason: expect.stringContaining("pod ns/host-4 uses hostNetwork"), steps: [] });
    const records = [rec("ns/web-1"), rec("ns/db-5", ".Target")];
    const nothing = await impl.plan(ctx(), 0, records, partition);
    expect(nothing.capable).toBe(false);
    expect(nothing.reason).toContain("nothing would change on pod ns/web-1");
    await expect(impl.apply(ctx(), 0, records, partition)).rejects.toThrow(nothing.reason!);
  });
});

describe("NetworkChaos plan against the daemon's own handlers", () => {
  it("the ipset script, the filter chains' restore script and the tc batch the plan shows are what FlushIPSets, SetIptablesChains and SetTcs run", async () => {
    // both a partition and a delay toward its target: ipsets, chains and per-target tcs at once
    const both = chaos("both", "uid-both", { action: "delay", direction: "to", delay: { latency: "10ms" }, target: { mode: "all", selector: { namespaces: ["ns"] } } } as Partial<NetworkChaos["spec"]>);
    const held: NetworkChaos = { ...partition, status: { ...running, experiment: { ...running!.experiment, containerRecords: [rec("ns/web-1"), rec("ns/db-2", ".Target")] } } as NetworkChaos["status"] };
    const { impl } = setup([held]);
    const plan = await impl.plan(ctx(), 0, [rec("ns/web-1"), rec("ns/db-2", ".Target")], both);
    expect(plan.capable).toBe(true);

    // the daemon's handlers in this process's own network namespace (taken as a pod's), every command recorded
    const caps = create(NodeCapabilitiesSchema, { nodeName: "node-1", qdiscs: ["netem", "prio", "sfq", "tbf", "htb"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "statistic", "CLASSIFY"] });
    const ran: { argv: readonly string[]; input?: string }[] = [];
    const deps = {
      runtime: { getPid: async () => process.pid },
      runner: {
        async run(request: NamespaceProcessRequest) {
          ran.push({ argv: request.argv, ...(request.input !== undefined && { input: request.input }) });
          const [cmd, ...rest] = request.argv;
          if (cmd === "ip") return { stdout: JSON.stringify([{ ifname: "lo" }, { ifname: "eth0" }]), stderr: "" };
          if (cmd === "tc" && rest[0] === "-j") return { stdout: "[]", stderr: "" };
          if (cmd === "ipset" && rest[0] === "list") {
            // after FlushIPSets the sets are there (their families are what the rules follow)
            const restored = ran.some((r) => r.argv[0] === "ipset" && r.argv[1] === "restore");
            const made = restored ? (plan.steps[0]!.request as { ipsets: { name: string; type: string }[] }).ipsets : [];
            return { stdout: made.map((s) => `Name: ${s.name}\nType: ${s.type}\nHeader: family inet hashsize 1024 maxelem 65536 comment skbinfo\nReferences: 0\n`).join("\n"), stderr: "" };
          }
          return { stdout: "", stderr: "" };
        },
      },
    } as unknown as DaemonKindDeps;
    const handlers = networkDaemonHandlers(deps, { capabilities: async () => caps, hostNamespaces: { sharedWith: async () => undefined } as unknown as HostNamespaces, processStartTime: async () => "1" });
    const [ipsets, chains, tcs] = plan.steps.map((s) => s.request as object);
    await callDaemonHandler(handlers, "flushIPSets", fromJson(IPSetsRequestSchema, ipsets as JsonValue));
    await callDaemonHandler(handlers, "setIptablesChains", fromJson(IptablesChainsRequestSchema, chains as JsonValue));
    await callDaemonHandler(handlers, "setTcs", fromJson(TcsRequestSchema, tcs as JsonValue));

    // the daemon builds each set under a temporary name: the scripts are equal but for the name each line creates or fills
    const unnamed = (lines: string[]) => lines.map((l) => l.split(" ").filter((_, i) => i !== 1).join(" "));
    const restores = ran.filter((r) => r.argv[0] === "ipset" && r.argv[1] === "restore").map((r) => unnamed(r.input!.trim().split("\n")));
    const shownSets = plan.steps[0]!.note!.replace(/^stdin: /, "").replace(/ \(each set built.*$/, "").split(" || ");
    expect(restores).toEqual(shownSets.map((t) => unnamed(t.split(" | "))));
    expect(restores.flat()).toContain("add 10.0.0.2/32");
    const filter = ran.find((r) => /iptables.*-restore/.test(r.argv[0]!) && r.input?.startsWith("*filter"))!;
    expect(plan.steps[1]!.note).toBe(`stdin: iptables-restore: ${filter.input!.trim().split("\n").join(" | ")}`);
    const batch = ran.find((r) => r.argv[0] === "tc" && r.argv[1] === "-batch")!;
    expect(batch.input!.trim().split("\n")).toEqual(plan.steps[2]!.argv!.filter((a) => a[5] === "tc").map((a) => a.slice(6).join(" ")));
    const mangle = ran.find((r) => /iptables.*-restore/.test(r.argv[0]!) && r.input?.startsWith("*mangle"))!;
    expect(plan.steps[2]!.note).toContain(`stdin of iptables-restore: ${mangle.input!.trim().split("\n").join(" | ")}`);
  });
});
