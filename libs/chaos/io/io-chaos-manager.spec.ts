import type { Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { ioChaos } from "./io-chaos.js";
import type { IOChaos } from "./io-chaos-crd.js";
import { ioChaosManager } from "./io-chaos-manager.js";

// The manager impl against in-memory seams: a pod source holding one pod, and daemons in memory
// that record what they are asked (real Connect serialization, no network).
const containerId = "containerd://" + "a".repeat(64);
const pod: V1Pod = {
  metadata: { namespace: "app", name: "web-0", uid: "uid-web-0" },
  spec: { nodeName: "node-1", containers: [{ name: "main" }] },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
};
const recordId = "app/web-0/main";
const missing = "app/web-9/main";

const chaos: IOChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "IOChaos",
  metadata: { name: "example", namespace: "app" },
  spec: { selector: { namespaces: ["app"] }, mode: "all", volumePath: "volumePath-value" },
};
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });
const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
// what each daemon call carries: the RPC, the container, the chaos it is for and the spec's fields
const call = (rpc: string) => ({ rpc, containerId, namespacedName: "app/example", volumePath: "volumePath-value" });

describe("ioChaos on the manager", () => {
  let calls: { rpc: string; containerId: string; namespacedName: string | null; [field: string]: unknown }[];
  let logged: string[];
  let daemons: ReturnType<typeof createInMemoryDaemonClientPool>;
  let impl: ReturnType<typeof ioChaosManager>;

  beforeEach(() => {
    calls = [];
    logged = [];
    daemons = createInMemoryDaemonClientPool(
      {
        async execIOChaos(req, callCtx) {
          calls.push({ rpc: "ExecIOChaos", containerId: req.containerId, namespacedName: callCtx.requestHeader.get("namespaced-name"), volumePath: req.volumePath });
          return {};
        },
        async recoverIOChaos(req, callCtx) {
          calls.push({ rpc: "RecoverIOChaos", containerId: req.containerId, namespacedName: callCtx.requestHeader.get("namespaced-name"), volumePath: req.volumePath });
          return {};
        },
      },
      { nodes: ["node-1"] },
    );
    const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods: [pod] }), daemons });
    impl = ioChaosManager({ decoder, log: (message) => logged.push(message) });
  });

  it("is a lasting container kind", () => {
    expect(ioChaos).toMatchObject({ oneShot: false, selectorKind: "container" });
  });

  it("Apply runs ExecIOChaos in the record's container on its node's daemon, with the spec's fields", async () => {
    await expect(impl.apply(ctx(), 0, [record(recordId)], chaos)).resolves.toBe("Injected");
    expect(calls).toEqual([call("ExecIOChaos")]);
    expect(daemons.clientsRequested).toEqual([{ nodeName: "node-1", namespacedName: "app/example" }]);
  });

  it("Recover runs RecoverIOChaos in the record's container on its node's daemon, with the spec's fields", async () => {
    await expect(impl.recover(ctx(), 0, [record(recordId)], chaos)).resolves.toBe("Not Injected");
    expect(calls).toEqual([call("RecoverIOChaos")]);
    expect(daemons.clientsRequested).toEqual([{ nodeName: "node-1", namespacedName: "app/example" }]);
  });

  it("Recover of a pod that is gone fails with PodNotFound (the records pipeline counts it recovered), calling no daemon", async () => {
    await expect(impl.recover(ctx(), 0, [record(missing)], chaos)).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    expect(calls).toEqual([]);
  });

  it("Apply fails clearly for a pod that is not there, calling no daemon", async () => {
    await expect(impl.apply(ctx(), 0, [record(missing)], chaos)).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    await expect(impl.apply(ctx(), 0, [record(missing)], chaos)).rejects.toBeInstanceOf(RecordDecodeError);
    expect(calls).toEqual([]);
  });

  it("Apply fails clearly for a container the pod does not have, calling no daemon", async () => {
    await expect(impl.apply(ctx(), 0, [record("app/web-0/sidecar")], chaos)).rejects.toMatchObject({ reason: "ContainerNotFound" });
    expect(calls).toEqual([]);
  });
});
