import { toJson } from "@bufbuild/protobuf";
import { ExecHelloWorldRequestSchema, type ExecHelloWorldRequest, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import { helloWorldChaosManager } from "./helloworld-chaos-manager.js";
import type { HelloWorldChaos } from "./helloworld-chaos-crd.js";

// The manager side with the pod and the daemon in memory: what it asks which daemon, and what it
// refuses before asking anything.
describe("helloWorldChaosManager", () => {
  const containerId = "containerd://" + "a".repeat(64);
  const asked: { node: string; containerId: string; namespacedName: string | null }[] = [];
  const requests: ExecHelloWorldRequest[] = [];
  const daemons = createInMemoryDaemonClientPool(
    {
      async execHelloWorldChaos(req, ctx) {
        asked.push({ node: "node-1", containerId: req.containerId, namespacedName: ctx.requestHeader.get("namespaced-name") });
        requests.push(req);
        return {};
      },
    },
    { nodes: ["node-1"] },
  );
  const pods = createInMemoryPodSource({
    pods: [
      {
        metadata: { namespace: "busybox", name: "busybox-0" },
        spec: { nodeName: "node-1", containers: [{ name: "busybox" }] },
        status: { containerStatuses: [{ name: "busybox", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
      },
    ],
  });
  const logged: string[] = [];
  const impl = helloWorldChaosManager({ decoder: createRecordDecoder({ pods, daemons }), log: (message) => logged.push(message) });
  const chaos: HelloWorldChaos = {
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HelloWorldChaos",
    metadata: { namespace: "busybox", name: "hello" },
    spec: { selector: { namespaces: ["busybox"] }, mode: "all" },
  };
  const ctx = { signal: new AbortController().signal, namespacedName: "busybox/hello" };
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });

  beforeEach(() => {
    asked.length = 0;
    logged.length = 0;
  });

  it("Apply calls ExecHelloWorldChaos for the record's container on its node's daemon", async () => {
    await expect(impl.apply(ctx, 0, [record("busybox/busybox-0/busybox")], chaos)).resolves.toBe("Injected");
    expect(asked).toEqual([{ node: "node-1", containerId, namespacedName: "busybox/hello" }]);
    expect(logged).toEqual(["Apply helloworld chaos"]);
  });

  it("Apply refuses a container the pod lacks, or a pod that is gone, asking no daemon", async () => {
    await expect(impl.apply(ctx, 0, [record("busybox/busybox-0/sidecar")], chaos)).rejects.toThrow(/no container sidecar/);
    await expect(impl.apply(ctx, 0, [record("busybox/busybox-9/busybox")], chaos)).rejects.toThrow(/not found/);
    expect(asked).toEqual([]);
  });

  it("Plan shows the request Apply sends and the daemon's command behind its runner's nsenter, asking no daemon", async () => {
    const plan = await impl.plan!(ctx, 0, [record("busybox/busybox-0/busybox")], chaos);
    expect(asked).toEqual([]);
    await impl.apply(ctx, 0, [record("busybox/busybox-0/busybox")], chaos);
    expect(plan).toEqual({
      capable: true,
      steps: [
        {
          on: "daemon",
          rpc: "ExecHelloWorldChaos",
          request: toJson(ExecHelloWorldRequestSchema, requests[0]!),
          argv: [["nsenter", "-t", `<host pid of ${containerId}>`, "-m", "--", "sh", "-c", "ps aux"]],
          note: "the process list is written to the daemon's log",
        },
      ],
    });
  });

  it("Plan of a container that cannot be reached says why, not capable", async () => {
    await expect(impl.plan!(ctx, 0, [record("busybox/busybox-9/busybox")], chaos)).resolves.toEqual({ capable: false, reason: expect.stringMatching(/not found/), steps: [] });
  });

  it("Recover has nothing to undo", async () => {
    await expect(impl.recover(ctx, 0, [record("busybox/busybox-0/busybox")], chaos)).resolves.toBe("Not Injected");
    expect(asked).toEqual([]);
  });
});
