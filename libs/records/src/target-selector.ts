import type { ContainerSelector } from "@faultline/api";
import { selectorKindOf, selectorsOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { type PodSource, SelectorError, selectContainerTargets, selectPodTargets } from "@faultline/selector";
import { selectCandidates, type SelectorCandidates } from "./plan-candidates.js";
import { type BlastRadiusLimits, blastRadiusRefusal, checkBlastRadius } from "./blast-radius.js";
import { modePicks } from "./plan.js";

/** One selected target: the record id it becomes and the selector that chose it. */
export interface SelectedTarget {
  recordId: string;
  selectorKey: string;
}

/**
 * Chooses an object's targets, once per experiment. An empty answer (or a throw) is reported as a
 * Failed event and retried on the next reconcile.
 */
export interface TargetSelector {
  select(kind: ChaosKind, obj: ChaosObject): Promise<SelectedTarget[]>;
  /** Optional: what each selector matches before its mode picks, for the plan annotation (`planStep`); the same errors as `select`. */
  candidates?(kind: ChaosKind, obj: ChaosObject): Promise<SelectorCandidates[]>;
  /**
   * Optional: the protected namespaces the object's selectors ask for (their pods are never
   * targeted), so that a selection that still chose targets elsewhere can say so in one Event.
   */
  protectedNamespacesAskedFor?(kind: ChaosKind, obj: ChaosObject): string[];
  /**
   * Optional, for the plan annotation: what the guard rails would say of the records the modes
   * would pick from `selectors` (a blast radius refusal, the protected namespaces left out), for
   * people; empty when none applies.
   */
  refusals?(kind: ChaosKind, obj: ChaosObject, selectors: readonly SelectorCandidates[]): Promise<string[]>;
}

/**
 * A selection whose selectors name only protected namespaces: the Selected condition's reason is
 * `ProtectedNamespace`, and it is not retried on a timer (only a change of the object, or of the
 * manager's `--protected-namespaces` and so a restart, can cure it).
 */
export class ProtectedNamespaceError extends Error {
  override readonly name = "ProtectedNamespaceError";
  readonly reason = "ProtectedNamespace";
}

/** The namespaces a selector asks for: its `pods` keys, else `namespaces`, else the object's own. */
function askedNamespaces(selector: ContainerSelector, obj: ChaosObject): string[] {
  const spec = selector.selector;
  return spec.pods && Object.keys(spec.pods).length > 0 ? Object.keys(spec.pods) : spec.namespaces?.length ? spec.namespaces : [obj.metadata.namespace ?? "default"];
}

/** Options of {@link createTargetSelector}. */
export interface TargetSelectorOptions {
  /** Only namespaces annotated `chaos-mesh.org/inject=enabled` may be targeted. */
  namespaceFilter?: boolean;
  /** Namespaces no experiment may target, whatever its selector says. */
  protectedNamespaces?: readonly string[];
  /** A number in [0, 1), for the random modes; Math.random by default. */
  random?: () => number;
  /**
   * Above these an experiment is refused (`BlastRadiusError`: Selected=False, reason
   * `BlastRadiusExceeded`) unless it has the override annotation; absent: no limit.
   */
  blastRadius?: BlastRadiusLimits;
}

/**
 * The {@link TargetSelector} over @faultline/selector: each of the kind's selectors is evaluated with
 * Chaos Mesh's semantics, pods or containers according to the kind's `selectorKind` for the object. A target
 * gets one record per selector that chose it, as in Chaos Mesh: a pod that NetworkChaos's `selector`
 * and `target` both pick plays both roles, and each record says one of them (`selectorKey`).
 */
export function createTargetSelector(source: PodSource, options: TargetSelectorOptions = {}): TargetSelector {
  const protectedNamespacesAskedFor = (kind: ChaosKind, obj: ChaosObject): string[] => {
    const refused = new Set(options.protectedNamespaces ?? []);
    if (refused.size === 0) return [];
    const asked = new Set<string>();
    for (const { selector } of selectorsOf(kind, obj)) {
      for (const namespace of askedNamespaces(selector, obj)) if (refused.has(namespace)) asked.add(namespace);
    }
    return [...asked].sort();
  };
  return {
    candidates: (kind, obj) =>
      selectCandidates(source, kind, obj, {
        defaultNamespace: obj.metadata.namespace ?? "default",
        ...(options.namespaceFilter !== undefined && { namespaceFilter: options.namespaceFilter }),
        ...(options.protectedNamespaces && { protectedNamespaces: options.protectedNamespaces }),
      }),
    async select(kind, obj) {
      const targets: SelectedTarget[] = [];
      const selectOptions = {
        defaultNamespace: obj.metadata.namespace ?? "default",
        ...(options.namespaceFilter !== undefined && { namespaceFilter: options.namespaceFilter }),
        ...(options.protectedNamespaces && { protectedNamespaces: options.protectedNamespaces }),
        ...(options.random && { random: options.random }),
      };
      const refused = new Set(options.protectedNamespaces ?? []);
      for (const { key, selector } of selectorsOf(kind, obj)) {
        let chosen;
        try {
          chosen =
            selectorKindOf(kind, obj) === "container"
              ? await selectContainerTargets(source, selector as ContainerSelector, selectOptions)
              : await selectPodTargets(source, selector, selectOptions);
        } catch (error) {
          const onlyProtected = refused.size > 0 && askedNamespaces(selector, obj).every((namespace) => refused.has(namespace));
          if (error instanceof SelectorError && error.reason === "NoPodSelected" && onlyProtected) throw new ProtectedNamespaceError(error.message);
          throw error;
        }
        const seen = new Set<string>();
        for (const { recordId } of chosen) {
          if (seen.has(recordId)) continue;
          seen.add(recordId);
          targets.push({ recordId, selectorKey: key });
        }
      }
      if (options.blastRadius) {
        await checkBlastRadius(obj, targets.map((t) => t.recordId), options.blastRadius, async (namespace) => (await source.listPods({ namespace })).length);
      }
      return targets;
    },
    protectedNamespacesAskedFor,
    async refusals(kind, obj, selectors) {
      const said: string[] = [];
      const protectedAsked = protectedNamespacesAskedFor(kind, obj);
      if (protectedAsked.length > 0) said.push(`namespace ${protectedAsked.join(", ")} ${protectedAsked.length > 1 ? "are" : "is"} protected (the manager's --protected-namespaces): no pod there is targeted`);
      if (options.blastRadius) {
        // the records the modes would pick, and per namespace at most as many pods as they pick
        // (the random modes may take them all from one namespace)
        let records = 0;
        const podsPerNamespace = new Map<string, number>();
        for (const s of selectors) {
          records += Math.round(modePicks(s).picks);
          const pickedPods = s.pods === 0 ? 0 : Math.round((modePicks(s).picks * s.pods) / Math.max(1, s.targets.length));
          const podsIn = new Map<string, Set<string>>();
          for (const t of s.targets) {
            const namespace = t.pod.split("/")[0]!;
            if (!podsIn.has(namespace)) podsIn.set(namespace, new Set());
            podsIn.get(namespace)!.add(t.pod);
          }
          for (const [namespace, pods] of podsIn) podsPerNamespace.set(namespace, (podsPerNamespace.get(namespace) ?? 0) + Math.min(pods.size, pickedPods));
        }
        const refusal = await blastRadiusRefusal(obj, records, podsPerNamespace, options.blastRadius, async (namespace) => (await source.listPods({ namespace })).length);
        if (refusal !== undefined) said.push(refusal);
      }
      return said;
    },
  };
}
