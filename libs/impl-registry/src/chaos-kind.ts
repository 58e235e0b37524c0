import type { ContainerSelector, PodSelector } from "@faultline/api";
import { chaosGroup, chaosVersion } from "@faultline/api";
import type { ChaosImpl } from "./chaos-impl.js";
import type { ChaosObject } from "./chaos-object.js";

/** One selector of a chaos object and the key its records carry as `selectorKey`. */
export interface KeyedSelector {
  /** `"."` for a kind whose spec inlines its only selector (Chaos Mesh's convention). */
  key: string;
  selector: PodSelector | ContainerSelector;
}

/**
 * Everything the manager needs to know about one chaos kind: its names (for watches and API
 * calls), whether it is one-shot, what its records target, how to read its selectors, and its impl.
 */
export interface ChaosKind<T extends ChaosObject = ChaosObject> {
  /** The Kubernetes kind, e.g. `HelloWorldChaos`. */
  kind: string;
  /** The resource's plural name, e.g. `helloworldchaos`. */
  plural: string;
  /** Defaults to `chaos-mesh.org`. */
  group?: string;
  /** Defaults to `v1alpha1`. */
  version?: string;
  /**
   * One-shot kinds (pod-kill, HelloWorldChaos) stay in Run until deleted; `duration` is ignored.
   * A function when it depends on the object (PodChaos: pod-kill is one-shot, pod-failure is not).
   */
  oneShot: boolean | ((obj: T) => boolean);
  /** Pod records are `ns/name`; container records are `ns/pod/container`. A function when it depends on the object. */
  selectorKind: SelectorKind | ((obj: T) => SelectorKind);
  /** The object's selectors; most kinds use {@link inlineSelector}. */
  selectors(obj: T): KeyedSelector[];
  /** The Go duration after which the experiment stops; defaults to `spec.duration`. */
  duration?(obj: T): string | undefined;
  impl: ChaosImpl<T>;
}

/** What a kind's records target: pods (`ns/name`) or containers (`ns/pod/container`). */
export type SelectorKind = "pod" | "container";

/** Whether `obj` is one-shot: `kind.oneShot`, or what it answers for `obj`. */
export function oneShotOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): boolean {
  return typeof kind.oneShot === "function" ? kind.oneShot(obj) : kind.oneShot;
}

/** What `obj`'s records target: `kind.selectorKind`, or what it answers for `obj`. */
export function selectorKindOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): SelectorKind {
  return typeof kind.selectorKind === "function" ? kind.selectorKind(obj) : kind.selectorKind;
}

/** Reads the selector a kind inlines into its spec (`selector`, `mode`, `value`, `containerNames`) under key `"."`. */
export function inlineSelector(obj: ChaosObject): KeyedSelector[] {
  const spec = (obj.spec ?? {}) as Partial<ContainerSelector>;
  const selector: ContainerSelector = { selector: spec.selector ?? {}, mode: spec.mode ?? "one" };
  if (spec.value !== undefined) selector.value = spec.value;
  if (spec.containerNames !== undefined) selector.containerNames = spec.containerNames;
  return [{ key: ".", selector }];
}

/** The duration a kind's object asks for: `kind.duration(obj)` when defined, else `spec.duration`. */
export function durationOf<T extends ChaosObject>(kind: ChaosKind<T>, obj: T): string | undefined {
  if (kind.duration) return kind.duration(obj);
  const duration = (obj.spec as { duration?: unknown } | undefined)?.duration;
  return typeof duration === "string" && duration !== "" ? duration : undefined;
}

/** `{ group, version, plural }`, the coordinates of a kind's custom objects. */
export function resourceOf(kind: ChaosKind<any>): { group: string; version: string; plural: string } {
  return { group: kind.group ?? chaosGroup, version: kind.version ?? chaosVersion, plural: kind.plural };
}
