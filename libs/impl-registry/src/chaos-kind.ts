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
  /** One-shot kinds (pod-kill, HelloWorldChaos) stay in Run until deleted; `duration` is ignored. */
  oneShot: boolean;
  /** Pod records are `ns/name`; container records are `ns/pod/container`. */
  selectorKind: "pod" | "container";
  /** The object's selectors; most kinds use {@link inlineSelector}. */
  selectors(obj: T): KeyedSelector[];
  /** The Go duration after which the experiment stops; defaults to `spec.duration`. */
  duration?(obj: T): string | undefined;
  impl: ChaosImpl<T>;
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
