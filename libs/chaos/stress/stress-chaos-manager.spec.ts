import type { Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import { stressChaosManager } from "./stress-chaos-manager.js";
import type { StressChaos } from "./stress-chaos-crd.js";

// The manager side with the pod and the daemon in memory: what it asks which daemon, and what it
// does for targets that are gone. The daemon's side for real is in stress-chaos-daemon.integration.spec.ts.
describe("stressChaosManager", () => {
  const containerId = "containerd://" + "a".repeat(64);
  const asked: { rpc: string; request: { [key: string]: unknown } }[] = [];
  const daemons = createInMemoryDaemonClientPool(
    {
      async execStressors(req) {
        asked.push({ rpc: "ExecStressors", request: { target: req.target, scope: req.scope, cpuStressors: req.cpuStressors, memoryStressors: req.memoryStressors, oomScoreAdj: req.oomScoreAdj, recordKey: req.recordKey } });
        return { cpuInstance: "4242", cpuStartTime: 1n, cpuInstanceUid: "u1", memoryInstance: "", memoryStartTime: 0n, memoryInstanceUid: "" };
      },
      async cancelStressors(req) {
        asked.push({ rpc: "CancelStressors", request: { recordKey: req.recordKey } });
        return {};
      },
    },
    { nodes: ["node-1"] },
  );
  const pods = createInMemoryPodSource({
    pods: [
      {
        metadata: { namespace: "app", name: "web-0" },
        spec: { nodeName: "node-1", containers: [{ name: "web" }, { name: "side" }] },
        status: { containerStatuses: [{ name: "web", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
      },
    ],
  });
  const logged: string[] = [];
  const impl = stressChaosManager({ decoder: createRecordDecoder({ pods, daemons }), log: (message) => logged.push(message) });
  const chaos = (spec: Partial<StressChaos["spec"]>): StressChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "StressChaos",
    metadata: { namespace: "app", name: "burn", uid: "chaos-uid-1" },
    spec: { selector: { namespaces: ["app"] }, mode: "all", ...spec },
  });
  const ctx = { signal: new AbortController().signal, namespacedName: "app/burn" };
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });

  beforeEach(() => {
    asked.length = 0;
    logged.length = 0;
  });

  it("Apply sends ExecStressors with Chaos Mesh's strings and the record's key", async () => {
    await expect(impl.apply(ctx, 0, [record("app/web-0/web")], chaos({ stressors: { cpu: { workers: 2, load: 50 }, memory: { workers: 1, size: "64MB", oomScoreAdj: -100 } } }))).resolves.toBe("Injected");
    expect(asked).toEqual([
      {
        rpc: "ExecStressors",
        request: {
          target: containerId,
          scope: 0,
          cpuStressors: "--cpu-load-slice 10 --cpu-method sqrt --cpu 2 --cpu-load 50",
          memoryStressors: "--workers 1 --size 64MB",
          oomScoreAdj: -100,
          recordKey: "chaos-uid-1/app/web-0/web",
        },
      },
    ]);
  });

  it("Apply sends stressngStressors, which wins", async () => {
    await impl.apply(ctx, 0, [record("app/web-0/web")], chaos({ stressngStressors: "--cpu 1 --vm 1", stressors: { cpu: { workers: 4 } } }));
    expect(asked[0]!.request).toMatchObject({ cpuStressors: "--cpu 1 --vm 1", memoryStressors: "" });
  });

  it("Recover sends CancelStressors with the same key, whatever this manager remembers", async () => {
    const fresh = stressChaosManager({ decoder: createRecordDecoder({ pods, daemons }), log: () => {} }); // a restarted manager
    await expect(fresh.recover(ctx, 0, [record("app/web-0/web")], chaos({ stressors: { cpu: { workers: 1 } } }))).resolves.toBe("Not Injected");
    expect(asked).toEqual([{ rpc: "CancelStressors", request: { recordKey: "chaos-uid-1/app/web-0/web" } }]);
  });

  it("Recover of a pod gone, or of a container that does not run, is done without asking any daemon", async () => {
    await expect(impl.recover(ctx, 0, [record("app/web-9/web")], chaos({ stressors: { cpu: { workers: 1 } } }))).resolves.toBe("Not Injected");
    await expect(impl.recover(ctx, 0, [record("app/web-0/side")], chaos({ stressors: { cpu: { workers: 1 } } }))).resolves.toBe("Not Injected");
    expect(asked).toEqual([]);
    expect(logged.filter((m) => m.includes("target gone"))).toHaveLength(2);
  });

  it("Apply refuses a container the pod lacks, asking no daemon", async () => {
    await expect(impl.apply(ctx, 0, [record("app/web-0/nope")], chaos({ stressors: { cpu: { workers: 1 } } }))).rejects.toThrow(/no container nope/);
    expect(asked).toEqual([]);
  });
});
