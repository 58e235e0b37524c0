// @faultline/controller — the generic machinery a Kubernetes controller is built from
// (controller-runtime's role): a keyed work queue, a resilient watch of one resource, Lease
// leader election and client-side rate limiting. It holds no chaos logic.

// The work queue and what reconcilers return
export { WorkQueue } from "./work-queue.js";
export type { Reconcile, ReconcileResult, ShutdownOptions, WorkQueueOptions } from "./work-queue.js";
export { objectKeyOf, objectKeyString } from "./object-key.js";
export type { ObjectKey } from "./object-key.js";

// Building blocks
export { exponentialBackoffDelay } from "./exponential-backoff.js";
export type { ExponentialBackoff } from "./exponential-backoff.js";
export { abortableDelay } from "./abortable-delay.js";
export { workQueueMetrics } from "./work-queue-metrics.js";
export type { WorkQueueMetrics } from "./work-queue-metrics.js";
export { errorFields, silentLogger } from "./logger.js";
export type { Logger } from "./logger.js";

// Client-side rate limiting (QPS/burst)
export { TokenBucket } from "./token-bucket.js";
export type { TokenBucketOptions } from "./token-bucket.js";
export {
  boundedApiClient,
  defaultRequestTimeoutMs,
  makeRateLimitedApiClient,
  rateLimitMiddleware,
  requestCountMiddleware,
  requestTimeoutMiddleware,
} from "./rate-limited-api-client.js";
export { SharedConnectionKubeConfig } from "./shared-connection-kube-config.js";

// Watching a resource
export { ResilientWatch } from "./resilient-watch.js";
export type { ResilientWatchOptions, ResilientWatchStats, WatchEvent, WatchEventType } from "./resilient-watch.js";

// Kubernetes Events about the objects a controller reconciles (repeats aggregated, as client-go's recorder does)
export { createKubernetesEventRecorder, eventFailureFields, maxEventMessageLength } from "./event-recorder.js";
export type { ChaosEvent, EventRecorder, EventRecorderLogger, InvolvedObject, KubernetesEventRecorderOptions } from "./event-recorder.js";

// Leader election
export { LeaderElector } from "./leader-elector.js";
export { deploymentOwnerReference } from "./deployment-owner-reference.js";
export type { LeaderElectorOptions, LeaderElectorStopOptions } from "./leader-elector.js";

// The process's last resort: structured logs for unhandled rejections and uncaught exceptions
export { installLastResortHandlers, lastResortHandlers } from "./last-resort-handlers.js";
export type { LastResortHandlers, LastResortOptions } from "./last-resort-handlers.js";

// Level-based controllers of custom resources, run together (one queue each, shared watches)
export { ControllerRunner } from "./controller-runner.js";
export type { ControllerRunnerOptions } from "./controller-runner.js";
export type { ManagedController, WatchedResource } from "./managed-controller.js";

// Shared caches: one informer (store, indexes, handlers) per resource, for every reader
export { Informer } from "./informer.js";
export type { IndexFunction, InformerObject, InformerSource, InformerSourceFactory } from "./informer.js";
export { InformerSet } from "./informer-set.js";
export type { InformerOptions, InformerResource, InformerSetOptions } from "./informer-set.js";
