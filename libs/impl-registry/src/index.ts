// @faultline/impl-registry — what a chaos kind gives the manager, and how it reaches the daemons.

// A chaos kind: its impl and its descriptor, and the registry the manager serves
export type { ChaosImpl, ChaosImplContext } from "./chaos-impl.js";
export type { ChaosKind, KeyedSelector } from "./chaos-kind.js";
export { durationOf, inlineSelector, resourceOf } from "./chaos-kind.js";
export {
  ChaosKindRegistry,
  DuplicateChaosKindError,
  InvalidChaosKindError,
  UnknownChaosKindError,
} from "./chaos-kind-registry.js";
export type { ChaosObject } from "./chaos-object.js";
export { namespacedNameOf } from "./chaos-object.js";

// Records → targets → daemon clients
export type { DecodedContainer, DecodedPod, PodReader, RecordDecodeFailure, RecordDecoder } from "./record-decoder.js";
export { containerIdOf, createKubernetesPodReader, createRecordDecoder, RecordDecodeError } from "./record-decoder.js";

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
export { createDaemonClientPool, daemonServerName, namespacedNameHeader } from "./daemon-client-pool.js";

// Metrics of every kind's apply and recover calls
export { createChaosKindMetrics } from "./chaos-kind-metrics.js";
