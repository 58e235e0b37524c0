import type { ContainerSelector, PodSelector } from "@faultline/api";
import type { V1Pod } from "@kubernetes/client-node";
import type { PodSource } from "./pod-source.js";
import { podRecordId } from "@faultline/api";
import { selectContainers, type ContainerTarget } from "./select-containers.js";
import { protectedNamespacesAskedFor, selectPods, type SelectPodsOptions } from "./select-pods.js";
import { SelectorError } from "./selector-error.js";
import { applySelectorMode, selectionCount } from "./selector-mode.js";

/** Options of a whole selection: where it happens, and the randomness modes use. */
export interface SelectTargetsOptions extends SelectPodsOptions {
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

/** One selected pod: what a pod record needs to reach it. */
export interface PodTarget {
  /** `namespace/name`. */
  recordId: string;
  namespace: string;
  podName: string;
  podUid: string | undefined;
  nodeName: string | undefined;
  pod: V1Pod;
}

/** The pods a selector matches before its mode picks; throws NoPodSelected (naming protected namespaces asked for) when none. */
async function candidatePods(source: PodSource, selector: PodSelector, options: SelectTargetsOptions): Promise<V1Pod[]> {
  selectionCount(selector.mode, selector.value, 0); // a bad mode or value fails before any API call
  const pods = await selectPods(source, selector.selector, options);
  if (pods.length === 0) {
    const refused = protectedNamespacesAskedFor(selector.selector, options);
    throw new SelectorError(
      "NoPodSelected",
      refused.length > 0 ? `no pod is selected: namespace ${refused.join(", ")} ${refused.length > 1 ? "are" : "is"} protected (the manager's --protected-namespaces)` : "no pod is selected",
    );
  }
  return pods;
}

async function selectModePods(source: PodSource, selector: PodSelector, options: SelectTargetsOptions): Promise<V1Pod[]> {
  const pods = await candidatePods(source, selector, options);
  return applySelectorMode(pods, selector.mode, selector.value, options.random);
}

function podTargetOf(pod: V1Pod): PodTarget {
  const namespace = pod.metadata?.namespace ?? "";
  const podName = pod.metadata?.name ?? "";
  return {
    recordId: podRecordId(namespace, podName),
    namespace,
    podName,
    podUid: pod.metadata?.uid,
    nodeName: pod.spec?.nodeName || undefined,
    pod,
  };
}

/**
 * The pods a PodSelector targets: `selectPods`, then the mode. Throws a SelectorError with reason
 * NoPodSelected when no pod matches; the mode may still select none (random-max-percent).
 */
export async function selectPodTargets(source: PodSource, selector: PodSelector, options: SelectTargetsOptions): Promise<PodTarget[]> {
  const pods = await selectModePods(source, selector, options);
  return pods.map(podTargetOf);
}

/**
 * The candidates of a PodSelector: every pod it matches BEFORE the mode picks (what a plan shows;
 * `selectionCount` says how many the mode would pick of them). The same checks and errors as
 * {@link selectPodTargets}: a bad mode or value, and no pod matched, throw a SelectorError.
 */
export async function podCandidates(source: PodSource, selector: PodSelector, options: SelectPodsOptions): Promise<PodTarget[]> {
  return (await candidatePods(source, selector, options)).map(podTargetOf);
}

/**
 * The candidates of a ContainerSelector: the containers of every pod it matches BEFORE the mode
 * picks (the mode picks pods, then their containers are taken). The same errors as
 * {@link selectContainerTargets}.
 */
export async function containerCandidates(source: PodSource, selector: ContainerSelector, options: SelectPodsOptions): Promise<ContainerTarget[]> {
  return selectContainers(await candidatePods(source, selector, options), selector.containerNames);
}

/**
 * The containers a ContainerSelector targets: `selectPods`, then the mode (on pods, as Chaos Mesh
 * does), then `selectContainers`. Throws a SelectorError: NoPodSelected when no pod matches,
 * ContainerNotFound when a named container is missing, InvalidMode/InvalidValue/InvalidSelector
 * for a spec that cannot be evaluated.
 *
 * ```ts
 * const targets = await selectContainerTargets(source, chaos.spec, { defaultNamespace: chaos.metadata.namespace });
 * ```
 */
export async function selectContainerTargets(
  source: PodSource,
  selector: ContainerSelector,
  options: SelectTargetsOptions,
): Promise<ContainerTarget[]> {
  const pods = await selectModePods(source, selector, options);
  return selectContainers(pods, selector.containerNames);
}
