import type { V1Pod } from "@kubernetes/client-node";
import type { NamespacedObject } from "./namespaced-name.js";
import type { DaemonClientPool } from "./daemon-client-pool.js";
import { InvalidRecordIdError } from "@faultline/api";
import { createInMemoryPodSource } from "@faultline/selector";
import { containerIdOf, createRecordDecoder, RecordDecodeError } from "./record-decoder.js";

const pod = (overrides: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { namespace: "ns", name: "web" },
  spec: { nodeName: "node-1", containers: [{ name: "app" }, { name: "sidecar" }] },
  status: {
    containerStatuses: [
      { name: "app", containerID: "containerd://" + "a".repeat(64), image: "", imageID: "", ready: true, restartCount: 0 },
      { name: "sidecar", image: "", imageID: "", ready: false, restartCount: 0 },
    ],
  },
  ...overrides,
});

describe("containerIdOf", () => {
  it("answers the runtime id from pod status", () => {
    expect(containerIdOf(pod(), "app", "ns/web/app")).toBe("containerd://" + "a".repeat(64));
  });

  it("names the pod's containers when the container does not exist", () => {
    expect(() => containerIdOf(pod(), "db", "ns/web/db")).toThrow("pod ns/web has no container db (containers: app, sidecar)");
    try {
      containerIdOf(pod(), "db", "ns/web/db");
    } catch (error) {
      expect(error).toMatchObject({ reason: "ContainerNotFound", recordId: "ns/web/db" });
    }
  });

  it("says the container has not started when its status has no id", () => {
    expect(() => containerIdOf(pod(), "sidecar", "ns/web/sidecar")).toThrow("not started");
    expect(() => containerIdOf(pod({ status: {} }), "app", "ns/web/app")).toThrow("not started");
  });
});

describe("createRecordDecoder (with an in-memory pod source and a fake daemon pool: decoding logic only)", () => {
  const obj: NamespacedObject = { metadata: { namespace: "chaos", name: "hello" } }; // the chaos object a record belongs to
  const calls: Array<[string, string]> = [];
  const daemons: DaemonClientPool = {
    async clientFor(nodeName, namespacedName) {
      calls.push([nodeName, namespacedName]);
      return {} as never;
    },
    size: () => 0,
    close() {},
  };
  const pods = createInMemoryPodSource({
    pods: [pod(), pod({ metadata: { namespace: "ns", name: "pending" }, spec: { containers: [{ name: "app" }] } })],
  });
  const decoder = createRecordDecoder({ daemons, pods });

  it("decodes a container record into pod, container id, node and that node's daemon", async () => {
    const decoded = await decoder.decodeContainer("ns/web/app", obj);
    expect(decoded).toMatchObject({ namespace: "ns", podName: "web", containerName: "app", nodeName: "node-1" });
    expect(decoded.containerId).toMatch(/^containerd:\/\//);
    expect(calls.at(-1)).toEqual(["node-1", "chaos/hello"]);
  });

  it("decodes a pod record", async () => {
    await expect(decoder.decodePod("ns/web", obj)).resolves.toMatchObject({ podName: "web", nodeName: "node-1" });
  });

  it("reports a pod that is gone, or not scheduled", async () => {
    await expect(decoder.decodeContainer("ns/gone/app", obj)).rejects.toMatchObject({ reason: "PodNotFound" });
    await expect(decoder.decodePod("ns/pending", obj)).rejects.toMatchObject({ reason: "PodNotScheduled" });
    await expect(decoder.decodePod("ns/gone", obj)).rejects.toBeInstanceOf(RecordDecodeError);
  });

  it("refuses a record id of the wrong shape", async () => {
    await expect(decoder.decodeContainer("ns/web", obj)).rejects.toBeInstanceOf(InvalidRecordIdError);
    await expect(decoder.decodePod("ns/web/app", obj)).rejects.toBeInstanceOf(InvalidRecordIdError);
  });
});
