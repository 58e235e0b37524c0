import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { checkIOAction } from "./io-action.js";
import { ioChaos } from "./io-chaos.js";
import type { IOChaos } from "./io-chaos-crd.js";
import { ioActionOf, ioChaosManager, missingIOFuseReason } from "./io-chaos-manager.js";

// The manager impl against in-memory seams: a pod source, and daemons in memory (real Connect
// serialization, real Connect errors, no network) that hold actions by record key per (container,
// volume) as the real daemon's ListIOChaos lists them.
const uid = "11111111-2222-3333-4444-555555555555";
const other = "99999999-2222-3333-4444-555555555555";
const cid = (c: string) => "containerd://" + c.repeat(64);
const podOf = (name: string, nodeName: string, containerId: string): V1Pod => ({
  metadata: { namespace: "app", name, uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: "main" }] },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
});

const chaos = (spec: Partial<IOChaos["spec"]> = {}, name = "example", id = uid): IOChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "IOChaos",
  metadata: { name, namespace: "app", uid: id },
  spec: { selector: { namespaces: ["app"] }, mode: "all", action: "fault", errno: 5, percent: 50, path: "/data/**", volumePath: "/data", ...spec },
});
const ctx = (namespacedName = "app/example") => ({ signal: new AbortController().signal, namespacedName });
const record = (id: string, phase: Record["phase"] = "Not Injected"): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });
type Held = { recordKey: string; containerId: string; volumePath: string; action: string };

/** In-memory daemons on each node: the record keys they hold, every call, and whether each can serve FUSE. */
function setup(options: { pods?: V1Pod[]; capable?: { [node: string]: false | "no-note" }; held?: { [node: string]: Held[] }; failExec?: ConnectError } = {}) {
  const pods = options.pods ?? [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b"))];
  const held: { [node: string]: Held[] } = { "node-1": [], "node-2": [], ...options.held };
  const calls: string[] = [];
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      async getNodeCapabilities() {
        calls.push(`${node} GetNodeCapabilities`);
        const capable = options.capable?.[node];
        if (capable === "no-note") return { nodeName: node };
        return capable === false ? { nodeName: node, ioFuse: false, notes: ["io/fuse: /dev/fuse cannot be opened: ENOENT"] } : { nodeName: node, ioFuse: true };
      },
      async execIOChaos(req, callCtx) {
        calls.push(`${node} ExecIOChaos ${req.containerId} ${req.volumePath} ${req.recordKey} as ${callCtx.requestHeader.get("namespaced-name")}`);
        if (options.failExec) throw options.failExec;
        held[node] = [...held[node]!.filter((h) => h.recordKey !== req.recordKey), { recordKey: req.recordKey, containerId: req.containerId, volumePath: req.volumePath, action: req.action }];
        return {};
      },
      async recoverIOChaos(req) {
        calls.push(`${node} RecoverIOChaos ${req.containerId} ${req.volumePath} ${req.recordKey}`);
        held[node] = held[node]!.filter((h) => h.recordKey !== req.recordKey);
        return {};
      },
      async listIOChaos() {
        calls.push(`${node} ListIOChaos`);
        return { injections: held[node]! };
      },
    });
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = {
    clientFor: (node: string, nn: string) => pools[node as keyof typeof pools].clientFor(node, nn),
    size: () => 2,
    close: () => undefined,
  };
  const logged: string[] = [];
  const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons });
  const impl = ioChaosManager({ decoder, log: (message) => logged.push(message) });
  return { impl, calls, held, logged, daemons, pods };
}

describe("ioChaos on the manager", () => {
  it("is a lasting container kind", () => {
    expect(ioChaos).toMatchObject({ oneShot: false, selectorKind: "container" });
  });

  it("turns each spec shape into Chaos Mesh's PodIOChaos action, which the daemon's validation accepts", () => {
    const fault = ioActionOf(chaos().spec, "app/example");
    expect(fault).toEqual({ type: "fault", path: "/data/**", percent: 50, faults: [{ errno: 5, weight: 1 }], source: "app/example" });
    const latency = ioActionOf(chaos({ action: "latency", delay: "100ms", errno: undefined, methods: ["read"], percent: undefined, path: undefined }).spec, "s");
    expect(latency).toEqual({ type: "latency", methods: ["read"], percent: 100, latency: "100ms", source: "s" });
    const attr = ioActionOf(chaos({ action: "attrOverride", attr: { perm: 72, atime: { sec: 1, nsec: 2 } } }).spec, "s");
    expect(attr).toEqual({ type: "attrOverride", path: "/data/**", percent: 50, perm: 72, atime: { sec: 1, nsec: 2 }, source: "s" });
    const mistake = ioActionOf(chaos({ action: "mistake", mistake: { filling: "zero", maxOccurrences: 2, maxLength: 8 } }).spec, "s");
    expect(mistake).toEqual({ type: "mistake", path: "/data/**", percent: 50, mistake: { filling: "zero", maxOccurrences: 2, maxLength: 8 }, source: "s" });
    for (const action of [fault, latency, attr, mistake]) expect(checkIOAction(JSON.parse(JSON.stringify(action)))).toEqual(action);
  });

  it("Apply checks the node can serve FUSE, then sends ExecIOChaos with the volume, the record key and the action as JSON", async () => {
    const { impl, calls, held } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Injected");
    expect(calls).toEqual(["node-1 GetNodeCapabilities", `node-1 ExecIOChaos ${cid("a")} /data ${uid}/app/web-0/main as app/example`]);
    expect(JSON.parse(held["node-1"]![0]!.action)).toEqual(ioActionOf(chaos().spec, "app/example"));
  });

  it("fails a record on a node without io/fuse, naming the node and the reason, sending nothing", async () => {
    const { impl, calls } = setup({ capable: { "node-2": false } });
    const records = [record("app/web-0/main"), record("app/web-1/main")];
    await expect(impl.apply(ctx(), 1, records, chaos())).rejects.toThrow("node node-2 cannot perform IOChaos: its daemon lacks io/fuse (/dev/fuse cannot be opened: ENOENT); nothing was injected");
    await expect(impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    expect(calls.filter((c) => c.includes("ExecIOChaos"))).toEqual([expect.stringMatching(/^node-1 ExecIOChaos/)]);
  });

  it("a daemon that does not report the capability at all (an older one) is refused too", async () => {
    const { impl, calls } = setup({ capable: { "node-1": "no-note" } });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).rejects.toThrow(/node node-1 cannot perform IOChaos: its daemon lacks io\/fuse \(the daemon does not report it/);
    expect(calls).toEqual(["node-1 GetNodeCapabilities"]);
    expect(missingIOFuseReason(create(NodeCapabilitiesSchema, { ioFuse: true }))).toBeUndefined();
  });

  it("a bad volumePath fails the record with the daemon's reason; its Recover is done at once", async () => {
    const refusal = new ConnectError("container x: volume /data cannot be faulted: /data is not a mount point; nothing was mounted", Code.FailedPrecondition);
    const { impl, calls } = setup({ failExec: refusal });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringMatching(/\/data is not a mount point/) });
    await expect(impl.recover(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Not Injected");
    expect(calls.at(-1)).toBe(`node-1 RecoverIOChaos ${cid("a")} /data ${uid}/app/web-0/main`);
  });

  it("Apply fails clearly for a pod or a container that is not there, calling no daemon", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-9/main")], chaos())).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/sidecar")], chaos())).rejects.toBeInstanceOf(RecordDecodeError);
    expect(calls).toEqual([]);
  });

  it("Recover sends RecoverIOChaos with the same key and volume, leaving another IOChaos on the container", async () => {
    const { impl, calls, held } = setup();
    const records = [record("app/web-0/main")];
    await impl.apply(ctx(), 0, records, chaos());
    await impl.apply(ctx("app/second"), 0, records, chaos({ volumePath: "/logs" }, "second", other));
    expect(held["node-1"]!.map((h) => `${h.volumePath} ${h.recordKey}`)).toEqual([`/data ${uid}/app/web-0/main`, `/logs ${other}/app/web-0/main`]);
    await expect(impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    expect(calls.at(-1)).toBe(`node-1 RecoverIOChaos ${cid("a")} /data ${uid}/app/web-0/main`);
    expect(held["node-1"]!.map((h) => h.recordKey)).toEqual([`${other}/app/web-0/main`]);
  });

  it("Recover of a pod that is gone is done: the fault went with its mount namespace", async () => {
    const { impl, calls, logged } = setup();
    await expect(impl.recover(ctx(), 0, [record("app/web-9/main")], chaos())).resolves.toBe("Not Injected");
    expect(calls).toEqual([]);
    expect(logged).toContain("IOChaos target gone: its fault went with its mount namespace");
  });

  it("Recover on a daemon without RecoverIOChaos (an older one, which could not have injected) is done, so deletion never sticks", async () => {
    const pods = [podOf("web-0", "node-1", cid("a"))];
    const old = createInMemoryDaemonClientPool({}, { nodes: ["node-1"] });
    const impl = ioChaosManager({ decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons: old }), log: () => undefined });
    await expect(impl.recover(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Not Injected");
  });
});

describe("IOChaos lost injections", () => {
  it("finds Injected records whose key the daemon no longer holds (a restarted container's new mount namespace has no fault)", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b"))];
    const { impl, held } = setup({ pods });
    const records = [record("app/web-0/main", "Injected"), record("app/web-1/main", "Injected")];
    for (const i of [0, 1]) await impl.apply(ctx(), i, records, chaos());
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    held["node-2"] = [];
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([1]);
  });
});

describe("IOChaos sweep", () => {
  it("recovers the keys no IOChaos holds, on their volume, and leaves those a running one holds", async () => {
    const fault = JSON.stringify({ type: "fault", faults: [{ errno: 5, weight: 1 }] });
    const s = setup({
      held: {
        "node-1": [
          { recordKey: `${other}/app/web-0/main`, containerId: cid("a"), volumePath: "/logs", action: fault },
          { recordKey: `${uid}/app/web-0/main`, containerId: cid("a"), volumePath: "/data", action: fault },
        ],
      },
    });
    const sweepCtx: SweepContext = {
      signal: new AbortController().signal,
      dryRun: false,
      holds: async ({ uid: owner }, recordId) => `${owner}/${recordId}` === `${uid}/app/web-0/main`,
      listPods: async () => s.pods,
      daemons: s.daemons,
      log: () => undefined,
    };
    const swept = await s.impl.sweep(sweepCtx);
    expect(s.calls.filter((c) => c.includes("RecoverIOChaos"))).toEqual([`node-1 RecoverIOChaos ${cid("a")} /logs ${other}/app/web-0/main`]);
    expect(swept).toEqual([{ pod: { namespace: "app", name: "web-0" }, owner: { uid: other }, what: "IO fault on /logs (container main)" }]);
  });
});
