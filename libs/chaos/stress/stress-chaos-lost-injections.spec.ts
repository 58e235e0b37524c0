import type { Record } from "@faultline/api";
import { Code, ConnectError } from "@connectrpc/connect";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import { endsOnItsOwn, stressChaosManager } from "./stress-chaos-manager.js";
import type { StressChaos } from "./stress-chaos-crd.js";

// lostInjections: a running StressChaos's Injected records whose stressors no longer run (a lease
// ran out while the manager was away, the container restarted) are handed back to be applied again.
describe("StressChaos lostInjections", () => {
  const uid = "11111111-2222-3333-4444-555555555555";
  const id = (pod: string) => `app/${pod}/web`;
  let running: { recordKey: string; part: string }[] = [];
  let unimplemented = false;
  const daemons = createInMemoryDaemonClientPool(
    {
      async listStressors() {
        if (unimplemented) throw new ConnectError("no", Code.Unimplemented);
        return { stressors: running.map((s, i) => ({ ...s, uid: `u${i}`, pid: BigInt(100 + i) })) };
      },
    },
    { nodes: ["node-1"] },
  );
  const pod = (name: string, hex: string) => ({
    metadata: { namespace: "app", name },
    spec: { nodeName: "node-1", containers: [{ name: "web" }] },
    status: { containerStatuses: [{ name: "web", containerID: `containerd://${hex.repeat(64)}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
  });
  const pods = createInMemoryPodSource({ pods: [pod("web-0", "a"), pod("web-1", "b")] });
  const impl = stressChaosManager({ decoder: createRecordDecoder({ pods, daemons }), log: () => undefined });
  const chaos = (spec: Partial<StressChaos["spec"]>): StressChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "StressChaos",
    metadata: { namespace: "app", name: "burn", uid },
    spec: { selector: { namespaces: ["app"] }, mode: "all", ...spec },
  });
  const ctx = { signal: new AbortController().signal, namespacedName: "app/burn" };
  const record = (podName: string, phase: Record["phase"] = "Injected"): Record => ({ id: id(podName), selectorKey: ".", phase, injectedCount: 1, recoveredCount: 0 });
  const both = { stressors: { cpu: { workers: 1 }, memory: { workers: 1, size: "16MB" } } };

  beforeEach(() => {
    running = [];
    unimplemented = false;
  });

  it("hands back the Injected records whose stressors, or one of their parts, no longer run", async () => {
    running = [
      { recordKey: `${uid}/${id("web-0")}`, part: "cpu" },
      { recordKey: `${uid}/${id("web-0")}`, part: "memory" },
      { recordKey: `${uid}/${id("web-1")}`, part: "cpu" }, // its memory stressor is gone
    ];
    expect(await impl.lostInjections!(ctx, [record("web-0"), record("web-1")], chaos(both))).toEqual([1]);
    running = [];
    expect(await impl.lostInjections!(ctx, [record("web-0"), record("web-1")], chaos(both))).toEqual([0, 1]);
  });

  it("asks only about Injected records, and loses nothing that still runs", async () => {
    running = [{ recordKey: `${uid}/${id("web-1")}`, part: "cpu" }];
    expect(await impl.lostInjections!(ctx, [record("web-0", "Not Injected"), record("web-1")], chaos({ stressors: { cpu: { workers: 1 } } }))).toEqual([]);
  });

  it("leaves alone stress-ng that was told to end by itself", async () => {
    expect(await impl.lostInjections!(ctx, [record("web-0")], chaos({ stressngStressors: "--cpu 1 --timeout 30s" }))).toEqual([]);
    expect(await impl.lostInjections!(ctx, [record("web-0")], chaos({ stressors: { cpu: { workers: 1, options: ["--cpu-ops 1000"] } } }))).toEqual([]);
    expect(await impl.lostInjections!(ctx, [record("web-0")], chaos({ stressngStressors: "--cpu 1" }))).toEqual([0]);
  });

  it("cannot tell on a daemon without ListStressors: nothing is lost", async () => {
    unimplemented = true;
    expect(await impl.lostInjections!(ctx, [record("web-0")], chaos(both))).toEqual([]);
  });
});

describe("endsOnItsOwn", () => {
  it.each([
    ["--cpu 1 --timeout 30s", true],
    ["--cpu 1 -t 30", true],
    ["--cpu 1 --timeout=30", true],
    ["--vm 1 --vm-ops 500", true],
    ["--cpu 1 --cpu-load 50", false],
    ["--cpu 1 --metrics-brief", false],
    ["--cpu 1 --times", false],
  ])("%j → %s", (cpuStressors, ends) => {
    expect(endsOnItsOwn({ cpuStressors, memoryStressors: "" })).toBe(ends);
  });
});
