import type { V1Pod } from "@kubernetes/client-node";
import { matchesPodFields, selectablePodFields } from "./field-selector.js";
import { slimPod } from "./slim-pod.js";

/** A pod as the API server sends it, with the parts nobody in Faultline reads. */
const full: V1Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-1",
    namespace: "shop",
    uid: "u1",
    resourceVersion: "42",
    labels: { app: "web" },
    annotations: { "pod-failure.chaos-mesh.org/main": "{}" },
    managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:spec": {} } }],
  },
  spec: {
    nodeName: "node-1",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    serviceAccountName: "default",
    hostNetwork: true,
    containers: [{ name: "main", image: "busybox", env: [{ name: "A", value: "1" }], args: ["sleep", "1d"] }],
    initContainers: [{ name: "log-sidecar", image: "busybox", restartPolicy: "Always", command: ["tail"] }],
    volumes: [{ name: "data", emptyDir: {} }],
    tolerations: [{ key: "k", operator: "Exists" }],
  },
  status: {
    phase: "Running",
    podIP: "10.0.0.7",
    podIPs: [{ ip: "10.0.0.7" }],
    hostIP: "192.0.2.1",
    nominatedNodeName: "node-2",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [
      { name: "main", containerID: "containerd://abc", image: "busybox", imageID: "sha", ready: true, restartCount: 2, state: { running: {} } },
    ],
    initContainerStatuses: [{ name: "log-sidecar", containerID: "containerd://def", image: "busybox", imageID: "sha", ready: true, restartCount: 0 }],
  },
};

describe("slimPod", () => {
  test("keeps what selection and the decoders read, and drops managed fields, env, volumes and states", () => {
    const slim = slimPod(structuredClone(full));
    expect(slim).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1", namespace: "shop", uid: "u1", resourceVersion: "42", labels: { app: "web" }, annotations: { "pod-failure.chaos-mesh.org/main": "{}" } },
      spec: {
        nodeName: "node-1",
        restartPolicy: "Always",
        schedulerName: "default-scheduler",
        serviceAccountName: "default",
        hostNetwork: true,
        containers: [{ name: "main", image: "busybox" }],
        initContainers: [{ name: "log-sidecar", image: "busybox", restartPolicy: "Always" }],
      },
      status: {
        phase: "Running",
        podIP: "10.0.0.7",
        podIPs: [{ ip: "10.0.0.7" }],
        hostIP: "192.0.2.1",
        nominatedNodeName: "node-2",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [{ name: "main", containerID: "containerd://abc", image: "busybox", imageID: "sha", ready: true, restartCount: 2 }],
        initContainerStatuses: [{ name: "log-sidecar", containerID: "containerd://def", image: "busybox", imageID: "sha", ready: true, restartCount: 0 }],
      },
    });
  });

  test("every selectable field reads the same from the slim pod", () => {
    const slim = slimPod(structuredClone(full));
    for (const field of selectablePodFields) {
      for (const value of ["node-1", "node-2", "Always", "default-scheduler", "default", "true", "false", "Running", "10.0.0.7", "web-1", "shop"]) {
        expect([field, value, matchesPodFields(slim, { [field]: value })]).toEqual([field, value, matchesPodFields(full, { [field]: value })]);
      }
    }
  });

  test("a pod without spec or status stays without them", () => {
    expect(slimPod({ metadata: { name: "p", namespace: "n" } })).toEqual({ metadata: { name: "p", namespace: "n" } });
  });
});

describe("slimPod's result", () => {
  test("is deep-frozen", () => {
    const slim = slimPod(structuredClone(full));
    expect(Object.isFrozen(slim)).toBe(true);
    expect(Object.isFrozen(slim.metadata!.labels)).toBe(true);
    expect(Object.isFrozen(slim.spec!.containers[0])).toBe(true);
    expect(Object.isFrozen(slim.status!.containerStatuses![0])).toBe(true);
    expect(() => {
      slim.metadata!.labels!.app = "db";
    }).toThrow(TypeError);
  });
});
