import type { ContainerSelector } from "@faultline/api";
import { selectorKindOf, selectorsOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { type PodSource, selectContainerTargets, selectPodTargets } from "@faultline/selector";
import { selectCandidates, type SelectorCandidates } from "./plan-candidates.js";
import { type BlastRadiusLimits, checkBlastRadius } from "./blast-radius.js";

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
      for (const { key, selector } of selectorsOf(kind, obj)) {
        const chosen =
          selectorKindOf(kind, obj) === "container"
            ? await selectContainerTargets(source, selector as ContainerSelector, selectOptions)
            : await selectPodTargets(source, selector, selectOptions);
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
    protectedNamespacesAskedFor(kind, obj) {
      const refused = new Set(options.protectedNamespaces ?? []);
      if (refused.size === 0) return [];
      const asked = new Set<string>();
      for (const { selector } of selectorsOf(kind, obj)) {
        const spec = selector.selector;
        const namespaces =
          spec.pods && Object.keys(spec.pods).length > 0 ? Object.keys(spec.pods) : spec.namespaces?.length ? spec.namespaces : [obj.metadata.namespace ?? "default"];
        for (const namespace of namespaces) if (refused.has(namespace)) asked.add(namespace);
      }
      return [...asked].sort();
    },
  };
}
