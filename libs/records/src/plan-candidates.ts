import type { ContainerSelector, SelectorMode } from "@faultline/api";
import { selectorKindOf, selectorsOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { containerCandidates, podCandidates, type PodSource, type SelectPodsOptions } from "@faultline/selector";

/** One candidate target of a plan: the record it would become, its pod and node. */
export interface PlanCandidate {
  recordId: string;
  selectorKey: string;
  /** `namespace/name`. */
  pod: string;
  container?: string;
  /** The pod's `spec.nodeName`, "" while unscheduled. */
  node: string;
}

/** What one of an object's selectors matches before its mode picks. */
export interface SelectorCandidates {
  selectorKey: string;
  mode: SelectorMode;
  value?: string;
  /** Whether the records are pods or containers (the mode always picks pods). */
  unit: "pod" | "container";
  /** How many pods matched (the mode picks among them). */
  pods: number;
  /** Every candidate record of this selector, one per pod or per selected container. */
  targets: PlanCandidate[];
}

/**
 * The candidates of each of `obj`'s selectors: the pods (or their containers) they match before the
 * mode picks, with the same rules as the selection (`@faultline/selector`'s podCandidates /
 * containerCandidates: namespace filter, protected namespaces, a bad mode or value and an empty
 * match are SelectorErrors). A target two selectors match is a candidate of each, as in selection.
 */
export async function selectCandidates(source: PodSource, kind: ChaosKind, obj: ChaosObject, options: SelectPodsOptions): Promise<SelectorCandidates[]> {
  const answer: SelectorCandidates[] = [];
  for (const { key, selector } of selectorsOf(kind, obj)) {
    const unit = selectorKindOf(kind, obj);
    const base = { selectorKey: key, mode: selector.mode, ...(selector.value !== undefined && { value: selector.value }), unit };
    const seen = new Set<string>();
    const targets: PlanCandidate[] = [];
    const add = (candidate: PlanCandidate) => {
      if (seen.has(candidate.recordId)) return;
      seen.add(candidate.recordId);
      targets.push(candidate);
    };
    if (unit === "container") {
      for (const t of await containerCandidates(source, selector as ContainerSelector, options)) {
        add({ recordId: t.recordId, selectorKey: key, pod: `${t.namespace}/${t.podName}`, container: t.containerName, node: t.nodeName ?? "" });
      }
    } else {
      for (const t of await podCandidates(source, selector, options)) {
        add({ recordId: t.recordId, selectorKey: key, pod: `${t.namespace}/${t.podName}`, node: t.nodeName ?? "" });
      }
    }
    answer.push({ ...base, pods: new Set(targets.map((t) => t.pod)).size, targets });
  }
  return answer;
}
