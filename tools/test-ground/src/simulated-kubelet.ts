import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { CriPodFixture } from "./cri-pod-fixture.js";

/** A pod to run: its containers are started for real through CRI. */
export interface SimulatedPodSpec {
  namespace: string;
  name: string;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
  /** Default one container "busybox" running `sleep 3600`. */
  containers?: { name: string; command?: string[] }[];
}

const busybox = "docker.io/library/busybox:latest";

/**
 * Does a kubelet's job for tests on an API server without one: creates a Node object, binds pods to
 * it, starts each pod's containers for real through CRI (the private containerd), and writes pod
 * status (Running, container ids) through the status subresource as a kubelet would. Pods tolerate
 * the node's not-ready taints so that no controller evicts them.
 *
 * Used where a real kubelet cannot run, and where a test needs many pods fast. Real API server,
 * real containers, real daemon: only the kubelet's bookkeeping is done here.
 */
export class SimulatedKubelet {
  private readonly runtime: CriPodFixture;
  private readonly pods: { namespace: string; name: string }[] = [];
  private nodeCreated = false;

  constructor(
    private readonly core: CoreV1Api,
    readonly nodeName = `faultline-sim-${Math.random().toString(36).slice(2, 8)}`,
    containerdSocket?: string,
  ) {
    this.runtime = new CriPodFixture(containerdSocket);
  }

  /** Creates the pod bound to this node, starts its containers, marks it Running. */
  async runPod(spec: SimulatedPodSpec): Promise<V1Pod> {
    await this.ensureNode();
    const containers = spec.containers ?? [{ name: "busybox" }];
    const pod = await this.core.createNamespacedPod({
      namespace: spec.namespace,
      body: {
        metadata: { name: spec.name, labels: spec.labels, annotations: spec.annotations },
        spec: {
          nodeName: this.nodeName,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 0,
          tolerations: [{ operator: "Exists" }],
          containers: containers.map((c) => ({ name: c.name, image: busybox, command: c.command ?? ["sleep", "3600"] })),
        },
      },
    });
    this.pods.push({ namespace: spec.namespace, name: spec.name });
    const statuses = [];
    for (const c of containers) {
      const started = await this.runtime.startContainer({
        name: `${spec.name}-${c.name}`.slice(0, 50),
        podNamespace: spec.namespace,
        command: c.command ?? ["sleep", "3600"],
      });
      statuses.push({
        name: c.name,
        containerID: started.containerId,
        image: busybox,
        imageID: busybox,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: new Date() } },
      });
    }
    pod.status = {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: statuses,
      startTime: new Date(),
    };
    return this.core.replaceNamespacedPodStatus({ namespace: spec.namespace, name: spec.name, body: pod });
  }

  /** Deletes the pods it created (no grace: nobody else would confirm their end), its node, and stops every container. */
  async cleanup(): Promise<void> {
    await Promise.allSettled(
      this.pods.map((p) => this.core.deleteNamespacedPod({ namespace: p.namespace, name: p.name, gracePeriodSeconds: 0 })),
    );
    if (this.nodeCreated) await this.core.deleteNode({ name: this.nodeName }).catch(() => undefined);
    await this.runtime.removeAll();
    this.runtime.close();
  }

  private async ensureNode(): Promise<void> {
    if (this.nodeCreated) return;
    await this.core.createNode({ body: { metadata: { name: this.nodeName, labels: { "faultline.test/simulated": "true" } } } });
    this.nodeCreated = true;
  }
}
