import type { Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { httpChaos } from "./http-chaos.js";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { httpChaosManager } from "./http-chaos-manager.js";

// The manager impl against in-memory seams: a pod source holding one pod, and daemons in memory
// that record what they are asked (real Connect serialization, no network).
const containerId = "containerd://" + "a".repeat(64);
const pod: V1Pod = {
  metadata: { namespace: "app", name: "web-0", uid: "uid-web-0" },
  spec: { nodeName: "node-1", containers: [{ name: "main" }] },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
};
const recordId = "app/web-0";
const missing = "app/web-9";

const chaos: HTTPChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HTTPChaos",
  metadata: { name: "example", namespace: "app" },
  spec: { selector: { namespaces: ["app"] }, mode: "all" },
};
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });
const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
// what each daemon call carries: the RPC, the container, the chaos it is for
const call = (rpc: string) => ({ rpc, containerId, namespacedName: "app/example" });

describe("httpChaos on the manager", () => {
  let calls: { rpc: string; containerId: string; namespacedName: string | null; [field: string]: unknown }[];
  let logged: string[];
  let daemons: ReturnType<typeof createInMemoryDaemonClientPool>;
  let impl: ReturnType<typeof httpChaosManager>;

  beforeEach(() => {
    calls = [];
    logged = [];
    daemons = createInMemoryDaemonClientPool(
      {
        async execHTTPChaos(req, callCtx) {
          calls.push({ rpc: "ExecHTTPChaos", containerId: req.containerId, namespacedName: callCtx.requestHeader.get("namespaced-name") });
          return {};
        },
        async recoverHTTPChaos(req, callCtx) {
          calls.push({ rpc: "RecoverHTTPChaos", containerId: req.containerId, namespacedName: callCtx.requestHeader.get("namespaced-name") });
          return {};
        },
      },
      { nodes: ["node-1"] },
    );
    const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods: [pod] }), daemons });
    impl = httpChaosManager({ decoder, log: (message) => logged.push(message) });
  });

  it("is a lasting pod kind", () => {
    expect(httpChaos).toMatchObject({ oneShot: false, selectorKind: "pod" });
  });

  it("Apply runs ExecHTTPChaos through the pod's first container on its node's daemon", async () => {
    await expect(impl.apply(ctx(), 0, [record(recordId)], chaos)).resolves.toBe("Injected");
    expect(calls).toEqual([call("ExecHTTPChaos")]);
    expect(daemons.clientsRequested).toEqual([{ nodeName: "node-1", namespacedName: "app/example" }]);
  });

  it("Recover runs RecoverHTTPChaos through the pod's first container on its node's daemon", async () => {
    await expect(impl.recover(ctx(), 0, [record(recordId)], chaos)).resolves.toBe("Not Injected");
    expect(calls).toEqual([call("RecoverHTTPChaos")]);
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
});
