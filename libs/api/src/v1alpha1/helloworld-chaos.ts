import type { ChaosStatus } from "./chaos-status.js";
import type { ContainerSelector } from "./selector.js";

/** The spec of a HelloWorldChaos: which containers, and for how long. */
export interface HelloWorldChaosSpec extends ContainerSelector {
  /** A Go duration ("30s", "1h"); absent means until deleted or paused. */
  duration?: string;
}

/** The object metadata chaos kinds need (a subset of Kubernetes' ObjectMeta). */
export interface ChaosObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
  finalizers?: string[];
}

/** HelloWorldChaos (`chaos-mesh.org/v1alpha1`): runs `ps aux` in each target container. One-shot. */
export interface HelloWorldChaos {
  apiVersion: "chaos-mesh.org/v1alpha1";
  kind: "HelloWorldChaos";
  metadata: ChaosObjectMeta;
  spec: HelloWorldChaosSpec;
  status?: ChaosStatus;
}
