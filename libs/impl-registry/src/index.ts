// @faultline/impl-registry — what a chaos kind gives the manager, and how it reaches the daemons.

// A chaos kind: its impl and its descriptor, and the registry the manager serves
export type { ChaosImpl, ChaosImplContext, InjectionOwner, SweepContext, SweptInjection } from "./chaos-impl.js";
export type { ChaosKind, KeyedSelector, SelectorKind } from "./chaos-kind.js";
export { durationOf, inlineSelector, oneShotOf, resourceOf, selectorKindOf } from "./chaos-kind.js";
export {
  ChaosKindRegistry,
  DuplicateChaosKindError,
  InvalidChaosKindError,
  UnknownChaosKindError,
} from "./chaos-kind-registry.js";
export type { ChaosObject } from "./chaos-object.js";
export { namespacedNameOf } from "./chaos-object.js";

// Records → targets → daemon clients (pods are read through @faultline/selector's PodSource)
export type { DecodedContainer, DecodedPod, RecordDecodeFailure, RecordDecoder } from "./record-decoder.js";
export { containerIdOf, createRecordDecoder, RecordDecodeError } from "./record-decoder.js";
/** @deprecated while callers move to @faultline/selector's PodSource and createKubernetesPodSource */
/** @deprecated while callers move to @faultline/selector's PodSource and createKubernetesPodSource */

// Daemon discovery and the client pool
export type { DaemonAddress } from "./daemon-address.js";
export { defaultDaemonPort, formatDaemonAddress, InvalidDaemonAddressError, parseDaemonAddress } from "./daemon-address.js";
export type { DaemonLocator, EndpointSliceDaemonLocatorOptions } from "./daemon-locator.js";
export {
  createEndpointSliceDaemonLocator,
  createStaticDaemonLocator,
  DaemonNotFoundError,
  defaultDaemonServiceName,
  pickDaemonEndpoint,
  serviceNameLabel,
} from "./daemon-locator.js";
export type { ChaosDaemonClient, DaemonClientPool, DaemonClientPoolOptions, DaemonClientTls } from "./daemon-client-pool.js";
export { createDaemonClientPool, daemonServerName } from "./daemon-client-pool.js";
export { namespacedNameHeader } from "./namespaced-name-header.js";

// For unit tests of a kind's manager impl: daemons in memory
export { createInMemoryDaemonClientPool } from "./in-memory-daemon-client-pool.js";
export type { InMemoryDaemonClientPool, InMemoryDaemonClientPoolOptions } from "./in-memory-daemon-client-pool.js";

// Metrics of every kind's apply and recover calls
export { createChaosKindMetrics } from "./chaos-kind-metrics.js";
