import type { ContainerSelector } from "@faultline/api";
import { selectorKindOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { type PodSource, selectContainerTargets, selectPodTargets } from "@faultline/selector";

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
  select(kind: ChaosKind<any>, obj: ChaosObject): Promise<SelectedTarget[]>;
}

/** Options of {@link createTargetSelector}. */
export interface TargetSelectorOptions {
  /** Only namespaces annotated `chaos-mesh.org/inject=enabled` may be targeted. */
  namespaceFilter?: boolean;
  /** A number in [0, 1), for the random modes; Math.random by default. */
  random?: () => number;
}

/**
 * The {@link TargetSelector} over @faultline/selector: each of the kind's selectors is evaluated with
 * Chaos Mesh's semantics, pods or containers according to the kind's `selectorKind` for the object. Record ids are unique
 * (the first selector to choose a target keeps it).
 */
export function createTargetSelector(source: PodSource, options: TargetSelectorOptions = {}): TargetSelector {
  return {
    async select(kind, obj) {
      const targets: SelectedTarget[] = [];
      const seen = new Set<string>();
      const selectOptions = {
        defaultNamespace: obj.metadata.namespace ?? "default",
        ...(options.namespaceFilter !== undefined && { namespaceFilter: options.namespaceFilter }),
        ...(options.random && { random: options.random }),
      };
      for (const { key, selector } of kind.selectors(obj)) {
        const chosen =
          selectorKindOf(kind, obj) === "container"
            ? await selectContainerTargets(source, selector as ContainerSelector, selectOptions)
            : await selectPodTargets(source, selector, selectOptions);
        for (const { recordId } of chosen) {
          if (seen.has(recordId)) continue;
          seen.add(recordId);
          targets.push({ recordId, selectorKey: key });
        }
      }
      return targets;
    },
  };
}
