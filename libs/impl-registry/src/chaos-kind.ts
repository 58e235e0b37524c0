import type { ChaosCrd, ContainerSelector, NodeCapabilities, PodSelector } from "@faultline/api";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { PodSource } from "@faultline/selector";
import type { CoreV1Api, CustomObjectsApi, V1Pod } from "@kubernetes/client-node";
import type { ChaosImpl } from "./chaos-impl.js";
import type { ChaosObject } from "./chaos-object.js";

/** One selector of a chaos object and the key its records carry as `selectorKey`. */
export interface KeyedSelector {
  /** `"."` for a kind whose spec inlines its only selector (Chaos Mesh's convention). */
  key: string;
  selector: PodSelector | ContainerSelector;
}

/** What a kind's records target: pods (`ns/name`) or containers (`ns/pod/container`). */
export type SelectorKind = "pod" | "container";

/**
 * A function of a kind's object, checked like a method: a `ManagerKindDefinition<PodChaos>` is then
 * a `ManagerKindDefinition<ChaosObject>`, so lists of kinds need no casts (the manager only ever
 * calls it with an object of the kind).
 */
export type OfObject<T, R> = { method(obj: T): R }["method"];

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

/**
 * A chaos kind as the manager needs it, written once by the kind's author: its CRD (names, group,
 * version and the object type `T` derive from it), whether it is one-shot, what its records target,
 * how to read its selectors, and the factory of its impl. `@faultline/chaos-kind`'s
 * `ChaosKindDefinition` is this plus the daemon side, written with `defineChaosKind`.
 */
export interface ManagerKindDefinition<T extends ChaosObject = ChaosObject> {
  crd: ChaosCrd;
  /**
   * One-shot kinds (pod-kill, HelloWorldChaos) stay in Run until deleted; `duration` is ignored.
   * A function when it depends on the object (PodChaos: pod-kill is one-shot, pod-failure is not).
   */
  oneShot: boolean | OfObject<T, boolean>;
  /** Pod records are `ns/name`; container records are `ns/pod/container`. A function when it depends on the object. */
  selectorKind: SelectorKind | OfObject<T, SelectorKind>;
  /** The object's selectors; default: the selector inlined in the spec ({@link inlineSelector}). */
  selectors?(obj: T): KeyedSelector[];
  /** The Go duration after which the experiment stops; default `spec.duration`. */
  duration?(obj: T): string | undefined;
  /** The manager side: apply and recover one record, built from what the manager hands it. */
  manager(deps: ManagerKindDeps): ChaosImpl<T>;
  /**
   * Whether a node's daemon can perform this kind, from its GetNodeCapabilities answer: the same
   * check apply makes (pure). The manager's status (`faultline doctor`) reports it per node; a kind
   * without it needs nothing of the node beyond a reachable daemon (or none at all).
   */
  nodeCapability?(caps: NodeCapabilities): { capable: boolean; reason?: string };
}

/**
 * One kind as a manager serves it, made from its definition by {@link kindOf}: the definition, the
 * names its CRD gives (for watches and API calls), and the impl its `manager` factory built.
 */
export interface ChaosKind<T extends ChaosObject = ChaosObject> {
  readonly definition: ManagerKindDefinition<T>;
  /** The Kubernetes kind, e.g. `HelloWorldChaos`. */
  readonly kind: string;
  /** The resource's plural name, e.g. `helloworldchaos`. */
  readonly plural: string;
  /** The CRD's group, `chaos-mesh.org` for every kind Faultline ships. */
  readonly group: string;
  /** The CRD's first version, `v1alpha1` for every kind Faultline ships. */
  readonly version: string;
  readonly impl: ChaosImpl<T>;
}

/** Thrown when a kind's definition, or the impl it builds, is missing something the manager needs. */
export class InvalidChaosKindError extends Error {
  override name = "InvalidChaosKindError";
}

/**
 * The kind a manager serves, from its definition: names, group and version read from the CRD, the
 * impl built with `deps`. Throws {@link InvalidChaosKindError} naming every problem of the
 * definition (a malformed CRD name, a missing `oneShot` / `selectorKind` / `manager`, an impl
 * without `apply` and `recover`).
 *
 * @example
 * const kind = kindOf(helloWorldChaos, { decoder, pods, core, log: () => {}, settings: {} });
 * kind.plural; // "helloworldchaos", from the CRD
 * await kind.impl.apply({ signal: AbortSignal.timeout(10_000), namespacedName: "shop/hello" }, 0, records, obj);
 */
export function kindOf<T extends ChaosObject>(definition: ManagerKindDefinition<T>, deps: ManagerKindDeps): ChaosKind<T> {
  const names = definition.crd?.spec?.names;
  const kind = names?.kind ?? "";
  const problems: string[] = [];
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) problems.push("crd.spec.names.kind must be a CamelCase name");
  if (!/^[a-z][a-z0-9]*$/.test(names?.plural ?? "")) problems.push("crd.spec.names.plural must be a lowercase resource name");
  if (!definition.crd?.spec?.group || !definition.crd.spec.versions?.[0]?.name) problems.push("crd.spec must have a group and a version");
  if (typeof definition.oneShot !== "boolean" && typeof definition.oneShot !== "function") problems.push("oneShot must be true, false or a function of the object");
  const selectorKind: unknown = definition.selectorKind;
  if (selectorKind !== "pod" && selectorKind !== "container" && typeof selectorKind !== "function") {
    problems.push('selectorKind must be "pod", "container" or a function of the object');
  }
  if (definition.selectors !== undefined && typeof definition.selectors !== "function") problems.push("selectors must be a function");
  if (definition.duration !== undefined && typeof definition.duration !== "function") problems.push("duration must be a function");
  if (definition.nodeCapability !== undefined && typeof definition.nodeCapability !== "function") problems.push("nodeCapability must be a function");
  const impl = typeof definition.manager === "function" ? definition.manager(deps) : undefined;
  if (!impl) problems.push("manager must be a function of the manager's deps");
  else if (typeof impl.apply !== "function" || typeof impl.recover !== "function") problems.push("the impl manager builds must have apply and recover");
  if (problems.length || !impl) throw new InvalidChaosKindError(`chaos kind ${kind || "(unnamed)"}: ${problems.join("; ")}`);
  return { definition, kind, plural: names.plural, group: definition.crd.spec.group, version: definition.crd.spec.versions[0]!.name, impl };
}

/** Whether `obj` is one-shot: the definition's `oneShot`, or what it answers for `obj`. */
export function oneShotOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): boolean {
  const { oneShot } = kind.definition;
  return typeof oneShot === "function" ? oneShot(obj) : oneShot;
}

/** What `obj`'s records target: the definition's `selectorKind`, or what it answers for `obj`. */
export function selectorKindOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): SelectorKind {
  const { selectorKind } = kind.definition;
  return typeof selectorKind === "function" ? selectorKind(obj) : selectorKind;
}

/** `obj`'s selectors: the definition's `selectors(obj)`, else the one its spec inlines ({@link inlineSelector}). */
export function selectorsOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): KeyedSelector[] {
  return kind.definition.selectors ? kind.definition.selectors(obj) : inlineSelector(obj);
}

/** Reads the selector a kind inlines into its spec (`selector`, `mode`, `value`, `containerNames`) under key `"."`. */
export function inlineSelector(obj: ChaosObject): KeyedSelector[] {
  const spec = (obj.spec ?? {}) as Partial<ContainerSelector>;
  const selector: ContainerSelector = { selector: spec.selector ?? {}, mode: spec.mode ?? "one" };
  if (spec.value !== undefined) selector.value = spec.value;
  if (spec.containerNames !== undefined) selector.containerNames = spec.containerNames;
  return [{ key: ".", selector }];
}

/** The duration `obj` asks for: the definition's `duration(obj)` when it has one, else `spec.duration`. */
export function durationOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): string | undefined {
  if (kind.definition.duration) return kind.definition.duration(obj);
  const duration = (obj.spec as { duration?: unknown } | undefined)?.duration;
  return typeof duration === "string" && duration !== "" ? duration : undefined;
}

/** `{ group, version, plural }`, the coordinates of a kind's custom objects. */
export function resourceOf(kind: ChaosKind): { group: string; version: string; plural: string } {
  return { group: kind.group, version: kind.version, plural: kind.plural };
}
