// Pod, node and namespace objects for tests, shaped as the API server returns them.
import type { V1Container, V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";

export interface PodFixture {
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  phase?: string;
  nodeName?: string;
  containers?: string[];
  /** Init containers; names ending in "-sidecar" get restartPolicy Always. */
  initContainers?: string[];
  /** Container name → container id in status. */
  containerIds?: Record<string, string>;
}

export function pod(fixture: PodFixture): V1Pod {
  const container = (name: string): V1Container => ({
    name,
    image: "busybox",
    ...(name.endsWith("-sidecar") ? { restartPolicy: "Always" } : {}),
  });
  const namespace = fixture.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace,
      name: fixture.name,
      uid: `uid-${namespace}-${fixture.name}`,
      labels: fixture.labels,
      annotations: fixture.annotations,
    },
    spec: {
      nodeName: fixture.nodeName,
      containers: (fixture.containers ?? ["main"]).map(container),
      initContainers: fixture.initContainers?.map(container),
    },
    status: {
      phase: fixture.phase ?? "Running",
      containerStatuses: Object.entries(fixture.containerIds ?? {}).map(([name, containerID]) => ({
        name,
        containerID,
        image: "busybox",
        imageID: "",
        ready: true,
        restartCount: 0,
      })),
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}): V1Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels } };
}

export function namespace(name: string, annotations: Record<string, string> = {}): V1Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, annotations } };
}

/** A `random` that replays the given numbers, then repeats the last one. */
export function sequence(...numbers: number[]): () => number {
  let i = 0;
  return () => numbers[Math.min(i++, numbers.length - 1)] ?? 0;
}

export function names(pods: readonly V1Pod[]): string[] {
  return pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
}
