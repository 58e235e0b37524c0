import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type Chain } from "@faultline/api";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation, networkChaosManager } from "./network-chaos-manager.js";

const caps = create(NodeCapabilitiesSchema, { nodeName: "node-1", qdiscs: ["htb", "tbf"], classifiers: ["u32"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set"] });

const pod = (name: string, ip: string, applied: string[]): V1Pod => ({
  metadata: { namespace: "ns", name, uid: `pod-${name}`, annotations: { [networkChaosAppliedAnnotation]: JSON.stringify(applied) } },
  spec: { nodeName: "node-1", containers: [{ name: "app", image: "busybox" }] },
  status: { podIP: ip, podIPs: [{ ip }], containerStatuses: [{ name: "app", containerID: `containerd://${name}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
});

/** A running partition a-0 → b-0. */
const live: NetworkChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  metadata: { namespace: "ns", name: "live", uid: "live" },
  spec: { action: "partition", mode: "all", selector: { labelSelectors: { app: "a" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "b" } } } } as NetworkChaos["spec"],
  status: {
    experiment: {
      desiredPhase: "Run",
      containerRecords: [
        { id: "ns/a-0", selectorKey: ".", phase: "Injected" },
        { id: "ns/b-0", selectorKey: ".Target", phase: "Injected" },
      ],
    },
  } as NetworkChaos["status"],
};

function setup(pods: V1Pod[], objects: NetworkChaos[]) {
  const chains = new Map<string, Chain[]>();
  const annotations = new Map<string, string[]>();
  const daemons = createInMemoryDaemonClientPool({
    getNodeCapabilities: async () => caps,
    flushIPSets: async () => ({}),
    setIptablesChains: async (req) => (chains.set(req.podUid, req.chains), {}),
    setTcs: async () => ({}),
  });
  const source = createInMemoryPodSource({ pods });
  const impl = networkChaosManager({
    decoder: createRecordDecoder({ pods: source, daemons }),
    onPod: async (podId) => objects.filter((o) => (o.status?.experiment?.containerRecords ?? []).some((r) => r.id === podId)),
    readPods: async (ids) => new Map(pods.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p] as const).filter(([id]) => ids.includes(id))),
    annotatePod: async (p, value) => void annotations.set(p.metadata!.name!, JSON.parse(value) as string[]),
    log: () => undefined,
  });
  const held = (uid: string, recordId: string) => objects.some((o) => o.metadata.uid === uid && (o.status?.experiment?.containerRecords ?? []).some((r) => r.id === recordId));
  const ctx: SweepContext = { signal: new AbortController().signal, dryRun: false, holds: async ({ uid }, id) => held(uid, id), listPods: async () => pods, daemons, log: () => undefined };
  return { impl, ctx, chains, annotations };
}

describe("NetworkChaos sweep", () => {
  it("derives a pod's state again without a gone object, keeping the rules of the one still running", async () => {
    const { impl, ctx, chains, annotations } = setup([pod("a-0", "10.0.0.1", ["gone", "live"]), pod("b-0", "10.0.0.2", ["live"])], [live]);
    const swept = await impl.sweep(ctx);
    expect(swept).toEqual([{ pod: { namespace: "ns", name: "a-0", uid: "pod-a-0" }, owner: { uid: "gone" }, what: "NetworkChaos rules (ipsets, iptables chains, tc)" }]);
    expect(annotations.get("a-0")).toEqual(["live"]);
    expect(chains.get("pod-a-0")?.map((c) => c.name)).toEqual([expect.stringContaining("live")]);
    expect(chains.has("pod-b-0")).toBe(false); // held by a running object only: not touched
    expect(annotations.has("b-0")).toBe(false);
  });

  it("clears a pod whose only object is gone, or no longer holds its record", async () => {
    const shrunk: NetworkChaos = { ...live, status: { experiment: { desiredPhase: "Run", containerRecords: [{ id: "ns/a-0", selectorKey: ".", phase: "Injected" }] } } as NetworkChaos["status"] };
    const { impl, ctx, chains, annotations } = setup([pod("c-0", "10.0.0.3", ["gone"]), pod("b-0", "10.0.0.2", ["live"])], [shrunk]);
    const swept = await impl.sweep(ctx);
    expect(swept.map((s) => `${s.pod.name} ${s.owner.uid}`).sort()).toEqual(["b-0 live", "c-0 gone"]);
    expect(annotations.get("c-0")).toEqual([]);
    expect(chains.get("pod-c-0")).toEqual([]);
    expect(annotations.get("b-0")).toEqual([]);
  });

  it("a dry run reports the pod of a gone object and sends and annotates nothing", async () => {
    const { impl, ctx, chains, annotations } = setup([pod("a-0", "10.0.0.1", ["gone", "live"]), pod("b-0", "10.0.0.2", ["live"])], [live]);
    const found = await impl.sweep({ ...ctx, dryRun: true });
    expect(found).toEqual([{ pod: { namespace: "ns", name: "a-0", uid: "pod-a-0" }, owner: { uid: "gone" }, what: "NetworkChaos rules (ipsets, iptables chains, tc)" }]);
    expect(chains.size).toBe(0);
    expect(annotations.size).toBe(0);
  });

  it("leaves pods alone that carry no annotation, or are being deleted", async () => {
    const deleting = { ...pod("a-0", "10.0.0.1", ["gone"]), metadata: { ...pod("a-0", "10.0.0.1", ["gone"]).metadata, deletionTimestamp: new Date() } };
    const bare = pod("b-0", "10.0.0.2", []);
    const { impl, ctx, chains } = setup([deleting, bare], []);
    expect(await impl.sweep(ctx)).toEqual([]);
    expect(chains.size).toBe(0);
  });
});
