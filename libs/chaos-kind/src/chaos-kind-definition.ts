import type { ChaosCrd, ChaosResourceOf } from "@faultline/api";
import type { ContainerRuntimeClient } from "@faultline/cri-client";
import type { DaemonHandlers, NamespaceProcessRunner } from "@faultline/daemon-server";
import type { ChaosImpl, ChaosObject, KeyedSelector } from "@faultline/impl-registry";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { PodSource } from "@faultline/selector";
import type { CoreV1Api, CustomObjectsApi, V1Pod } from "@kubernetes/client-node";

/** Structured logging for a kind's manager side: a message and its fields, one JSON line each. */
export type KindLog = (message: string, fields: { [key: string]: unknown }) => void;

/** A Kubernetes Event on a chaos object, recorded by the manager's event recorder (best effort). */
export type KindEvent = (obj: ChaosObject, type: "Normal" | "Warning", reason: string, message: string) => Promise<void>;

/** What the manager hands every kind's `manager` factory. */
export interface ManagerKindDeps {
  /** Record id → the pod as the API server has it, its container id, and its node's daemon client. */
  decoder: RecordDecoder;
  /** Reads pods now (never a stale copy), through the manager's rate-limited client. */
  pods: Pick<PodSource, "readPod">;
  /** The manager's rate-limited core API client, for kinds that act on pods themselves (pod-kill). */
  core: CoreV1Api;
  log: KindLog;
  /** The manager's `--kind-setting Kind.name=value` settings, e.g. `PodChaos.pauseImage`. */
  settings: { readonly [name: string]: string | undefined };
  /** The manager's rate-limited custom objects client, for kinds that read other chaos objects (NetworkChaos composes them per pod). */
  customObjects?: CustomObjectsApi;
  /** Records an Event on a chaos object, for what a kind must tell beyond the pipeline's own events. */
  event?: KindEvent;
  /**
   * The manager's cache of experiments (its watches of every kind and of RecordShards), for kinds
   * that compose with the other experiments on a pod (NetworkChaos). Absent where no watch runs.
   */
  experiments?: KindExperimentCache;
  /** The manager's cache of pods (its watch of every pod), for kinds that read many pods per record. Absent where no watch runs. */
  podCache?: KindPodCache;
}

/** Experiments as the manager's watches last saw them (typically well under a second behind the API server). */
export interface KindExperimentCache {
  /** Every experiment of `kind` with a record on pod `ns/name`, each with ALL its records (those kept in RecordShards too). Shared objects: do not change them. */
  onPod(kind: string, podId: string): ChaosObject[];
  /** The experiment of `kind` with this uid (a sharded one without its records), or undefined. */
  byUid(kind: string, uid: string): ChaosObject | undefined;
}

/** Pods as the manager's watch last saw them (slim: see `slimPod`), and a way to see one's own write. */
export interface KindPodCache {
  /** The pod as last seen, or undefined when the watch holds none by that name. */
  get(namespace: string, name: string): V1Pod | undefined;
  /**
   * The pod once the watch has seen `resourceVersion` or later (a write of the caller's own, whose
   * result it must not read stale), waiting a bounded time, then read from the API server.
   */
  getAtLeast(namespace: string, name: string, resourceVersion: string): Promise<V1Pod | undefined>;
}

/** What the daemon hands every kind's `daemon` factory. */
export interface DaemonKindDeps {
  /** Container id (`containerd://…`) → host pid, kill, through the node's container runtimes. */
  runtime: ContainerRuntimeClient;
  /** Runs argv arrays inside a process's namespaces (nsenter), with the daemon's timeout. */
  runner: NamespaceProcessRunner;
  /** The daemon's `--injection-lease-seconds`: how long an injection runs unless the manager renews it. */
  injectionLeaseSeconds?: number;
}

/**
 * One chaos kind, whole: its CRD (from which its names and object type derive), what the manager
 * does per record, and the daemon RPCs it serves. The manager, the daemon and the CRD generator
 * all read the same definitions, so a kind is listed once (the catalog of `@faultline/chaos`, or a
 * custom manager's and daemon's `kinds` option).
 */
export interface ChaosKindDefinition<T extends ChaosObject = any> {
  crd: ChaosCrd;
  /**
   * One-shot kinds (HelloWorldChaos) stay in Run until deleted; `duration` is ignored. A function
   * when it depends on the object (PodChaos: pod-kill is one-shot, pod-failure is not).
   */
  oneShot: boolean | ((obj: T) => boolean);
  /** Pod records are `ns/name`; container records are `ns/pod/container`. A function when it depends on the object. */
  selectorKind: "pod" | "container" | ((obj: T) => "pod" | "container");
  /** The object's selectors; default: the selector inlined in the spec (`inlineSelector`). */
  selectors?(obj: T): KeyedSelector[];
  /** The Go duration after which the experiment stops; default `spec.duration`. */
  duration?(obj: T): string | undefined;
  /** The manager side: apply and recover one record. */
  manager(deps: ManagerKindDeps): ChaosImpl<T>;
  /** The daemon side, for kinds with RPCs of their own. */
  daemon?(deps: DaemonKindDeps): DaemonHandlers;
}

/**
 * Defines a chaos kind. The object type its impl receives is derived from the CRD, so a kind's
 * name and fields are written once, in its schema.
 *
 * @example
 * export const helloWorldChaos = defineChaosKind({
 *   crd: helloWorldChaosCrd,
 *   oneShot: true,
 *   selectorKind: "container",
 *   manager: ({ decoder }) => ({ apply: async (ctx, i, records, obj) => { ...; return "Injected"; }, recover: async () => "Not Injected" }),
 *   daemon: ({ runtime, runner }) => ({ async execHelloWorldChaos(req, ctx) { ...; return {}; } }),
 * });
 */
export function defineChaosKind<Crd extends ChaosCrd<string, unknown>>(
  definition: ChaosKindDefinition<ChaosResourceOf<Crd>> & { crd: Crd },
): ChaosKindDefinition<ChaosResourceOf<Crd>> {
  return definition;
}

/** The kind name of a definition, from its CRD. */
export function kindNameOf(definition: ChaosKindDefinition): string {
  return definition.crd.spec.names.kind;
}
