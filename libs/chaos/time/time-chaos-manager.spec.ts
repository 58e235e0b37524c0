import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { timeChaos } from "./time-chaos.js";
import type { TimeChaos } from "./time-chaos-crd.js";
import { missingTimeSkewReason, timeChaosManager, timeRequestFieldsOf } from "./time-chaos-manager.js";

// The manager impl against in-memory seams: a pod source, and daemons in memory (real Connect
// serialization, real Connect errors, no network) that hold offsets by uid per container as the
// real daemon's ListTimeChaos lists them.
const uid = "11111111-2222-3333-4444-555555555555";
const other = "99999999-2222-3333-4444-555555555555";
const cid = (c: string) => "containerd://" + c.repeat(64);
const podOf = (name: string, nodeName: string, containerId: string): V1Pod => ({
  metadata: { namespace: "app", name, uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: "main" }] },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
});

const chaos = (spec: Partial<TimeChaos["spec"]> = {}): TimeChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "TimeChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", timeOffset: "-1h30m0.5s", clockIds: ["CLOCK_REALTIME", "CLOCK_MONOTONIC"], ...spec },
});
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });
const record = (id: string, phase: Record["phase"] = "Not Injected"): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });

/** In-memory daemons on each node: the uids they hold per container, every call, and whether each can skew. */
function setup(options: { pods?: V1Pod[]; capable?: { [node: string]: false | "no-note" }; unimplemented?: string[]; held?: { [node: string]: { containerId: string; uids: string[] }[] } } = {}) {
  const pods = options.pods ?? [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b"))];
  const held: { [node: string]: { containerId: string; uids: string[] }[] } = { "node-1": [], "node-2": [], ...options.held };
  const calls: string[] = [];
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      async getNodeCapabilities() {
        calls.push(`${node} GetNodeCapabilities`);
        const capable = options.capable?.[node];
        if (capable === "no-note") return { nodeName: node };
        return capable === false ? { nodeName: node, timeVdsoSkew: false, notes: ["time/vdso-skew: Yama ptrace_scope is 3: no process may be ptraced on this node"] } : { nodeName: node, timeVdsoSkew: true };
      },
      async setTimeOffset(req, callCtx) {
        calls.push(`${node} SetTimeOffset ${req.containerId} ${req.sec} ${req.nsec} ${req.clkIdsMask} ${req.uid} ${req.podContainerName} as ${callCtx.requestHeader.get("namespaced-name")}`);
        const entry = held[node]!.find((h) => h.containerId === req.containerId);
        if (entry) entry.uids = [...entry.uids.filter((u) => u !== req.uid), req.uid];
        else held[node]!.push({ containerId: req.containerId, uids: [req.uid] });
        return {};
      },
      async recoverTimeOffset(req) {
        calls.push(`${node} RecoverTimeOffset ${req.containerId} ${req.uid}`);
        held[node] = held[node]!.map((h) => (h.containerId === req.containerId ? { ...h, uids: h.uids.filter((u) => u !== req.uid) } : h)).filter((h) => h.uids.length > 0);
        return {};
      },
      async listTimeChaos() {
        if (options.unimplemented?.includes(node)) throw new ConnectError("no ListTimeChaos", Code.Unimplemented);
        calls.push(`${node} ListTimeChaos`);
        return { injections: held[node]! };
      },
    });
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = {
    clientFor: (node: string, nn: string) => {
      const pool = pools[node as keyof typeof pools];
      return pool ? pool.clientFor(node, nn) : createInMemoryDaemonClientPool({}, { nodes: [] }).clientFor(node, nn);
    },
    size: () => 2,
    close: () => undefined,
  };
  const logged: string[] = [];
  const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons });
  const impl = timeChaosManager({ decoder, log: (message) => logged.push(message) });
  return { impl, calls, held, logged, daemons, pods };
}

describe("timeChaos on the manager", () => {
  it("is a lasting container kind", () => {
    expect(timeChaos).toMatchObject({ oneShot: false, selectorKind: "container" });
  });

  it("turns the spec into Chaos Mesh's TimeRequest fields: the offset split toward zero, the clocks as a mask", () => {
    expect(timeRequestFieldsOf(chaos().spec)).toEqual({ sec: -5400n, nsec: -500_000_000n, clkIdsMask: 3n });
    expect(timeRequestFieldsOf(chaos({ timeOffset: "100ms", clockIds: undefined }).spec)).toEqual({ sec: 0n, nsec: 100_000_000n, clkIdsMask: 1n });
    expect(() => timeRequestFieldsOf(chaos({ timeOffset: "1 day" }).spec)).toThrow(/^timeOffset: "1 day" is not a Go duration/);
  });

  it("Apply checks the node can skew, then sends SetTimeOffset with the record key as uid and <pod uid>:<container>", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Injected");
    expect(calls).toEqual(["node-1 GetNodeCapabilities", `node-1 SetTimeOffset ${cid("a")} -5400 -500000000 3 ${uid}/app/web-0/main uid-web-0:main as app/example`]);
  });

  it("fails a record on a node without time/vdso-skew, naming the node and the reason, sending nothing", async () => {
    const { impl, calls } = setup({ capable: { "node-2": false } });
    const records = [record("app/web-0/main"), record("app/web-1/main")];
    await expect(impl.apply(ctx(), 1, records, chaos())).rejects.toThrow(
      "node node-2 cannot perform TimeChaos: its daemon lacks time/vdso-skew (Yama ptrace_scope is 3: no process may be ptraced on this node); nothing was injected",
    );
    await expect(impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    expect(calls.filter((c) => c.includes("SetTimeOffset"))).toEqual([expect.stringMatching(/^node-1 SetTimeOffset/)]);
  });

  it("a daemon that does not report the capability at all (an older one) is refused too", async () => {
    const { impl, calls } = setup({ capable: { "node-1": "no-note" } });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).rejects.toThrow(/node node-1 cannot perform TimeChaos: its daemon lacks time\/vdso-skew \(the daemon does not report it/);
    expect(calls).toEqual(["node-1 GetNodeCapabilities"]);
    expect(missingTimeSkewReason(create(NodeCapabilitiesSchema, { timeVdsoSkew: true }))).toBeUndefined();
  });

  it("Apply fails clearly for a pod or a container that is not there, calling no daemon", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-9/main")], chaos())).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/sidecar")], chaos())).rejects.toBeInstanceOf(RecordDecodeError);
    expect(calls).toEqual([]);
  });

  it("Recover sends RecoverTimeOffset with the same uid, leaving another TimeChaos on the container", async () => {
    const { impl, calls, held } = setup();
    const records = [record("app/web-0/main")];
    await impl.apply(ctx(), 0, records, chaos());
    const second = { ...chaos({ timeOffset: "10m" }), metadata: { name: "second", namespace: "app", uid: other } };
    await impl.apply({ ...ctx(), namespacedName: "app/second" }, 0, records, second);
    expect(held["node-1"]).toEqual([{ containerId: cid("a"), uids: [`${uid}/app/web-0/main`, `${other}/app/web-0/main`] }]);
    await expect(impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    expect(calls.at(-1)).toBe(`node-1 RecoverTimeOffset ${cid("a")} ${uid}/app/web-0/main`);
    expect(held["node-1"]).toEqual([{ containerId: cid("a"), uids: [`${other}/app/web-0/main`] }]);
  });

  it("Recover of a pod that is gone is done: the skew went with its processes", async () => {
    const { impl, calls, logged } = setup();
    await expect(impl.recover(ctx(), 0, [record("app/web-9/main")], chaos())).resolves.toBe("Not Injected");
    expect(calls).toEqual([]);
    expect(logged).toContain("TimeChaos target gone: its skew went with its processes");
  });

  it("Recover on a daemon without RecoverTimeOffset (an older one, which could not have injected) is done, so deletion never sticks", async () => {
    const pods = [podOf("web-0", "node-1", cid("a"))];
    const old = createInMemoryDaemonClientPool({}, { nodes: ["node-1"] });
    const impl = timeChaosManager({ decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons: old }), log: () => undefined });
    await expect(impl.recover(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Not Injected");
  });
});

describe("TimeChaos lost injections", () => {
  it("finds Injected records whose uid the daemon no longer has in force (a restarted container's new processes carry nothing)", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b")), podOf("web-2", "node-1", cid("c"))];
    const { impl, held } = setup({ pods });
    const records = [record("app/web-0/main", "Injected"), record("app/web-1/main", "Injected"), record("app/web-2/main", "Injected"), record("app/web-9/main", "Injected")];
    for (const i of [0, 1, 2]) await impl.apply(ctx(), i, records, chaos());
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    held["node-2"] = [];
    held["node-1"] = held["node-1"]!.filter((h) => h.containerId !== cid("c"));
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([1, 2]);
  });

  it("cannot tell on a daemon without ListTimeChaos", async () => {
    const { impl } = setup({ unimplemented: ["node-2"] });
    expect(await impl.lostInjections(ctx(), [record("app/web-1/main", "Injected")], chaos())).toEqual([]);
  });
});

describe("TimeChaos sweep", () => {
  it("recovers the uids no TimeChaos holds, leaves those a running one holds and those it did not make", async () => {
    const s = setup({
      held: {
        "node-1": [{ containerId: cid("a"), uids: [`${other}/app/web-0/main`, `${uid}/app/web-0/main`, "sha256:0123456789abcdef0123456789abcdef"] }],
        "node-2": [{ containerId: cid("b"), uids: [`${other}/app/web-1/main`] }],
      },
    });
    const asked: string[] = [];
    const sweepCtx: SweepContext = {
      signal: new AbortController().signal,
      dryRun: false,
      holds: async ({ uid: owner }, recordId) => (asked.push(`${owner} ${recordId}`), `${owner}/${recordId}` === `${uid}/app/web-0/main`),
      listPods: async () => s.pods,
      daemons: s.daemons,
      log: () => undefined,
    };
    const swept = await s.impl.sweep(sweepCtx);
    expect(asked).toEqual([`${other} app/web-0/main`, `${uid} app/web-0/main`, `${other} app/web-1/main`]);
    expect(s.calls.filter((c) => c.includes("RecoverTimeOffset"))).toEqual([`node-1 RecoverTimeOffset ${cid("a")} ${other}/app/web-0/main`, `node-2 RecoverTimeOffset ${cid("b")} ${other}/app/web-1/main`]);
    expect(swept).toEqual([
      { pod: { namespace: "app", name: "web-0" }, owner: { uid: other }, what: "a clock offset (container main)" },
      { pod: { namespace: "app", name: "web-1" }, owner: { uid: other }, what: "a clock offset (container main)" },
    ]);
  });
});
