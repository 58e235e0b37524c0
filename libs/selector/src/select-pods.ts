import type { PodSelectorSpec } from "@faultline/api";
import type { V1Pod } from "@kubernetes/client-node";
import { checkLabelSelector, podLabelSelector } from "./label-selector.js";
import { isChaosEnabledNamespace } from "./namespace-filter.js";
import { matchesPhaseSelector, parsePhaseSelectors } from "./phase-selector.js";
import type { PodSource } from "./pod-source.js";

/** Where a selection happens. */
export interface SelectPodsOptions {
  /** The chaos object's namespace: where to look when `namespaces` is empty. */
  defaultNamespace: string;
  /** Only namespaces annotated `chaos-mesh.org/inject: enabled` may be targeted. */
  namespaceFilter?: boolean;
  /** Namespaces no experiment may target, whatever its selector says (the manager's `--protected-namespaces`). */
  protectedNamespaces?: readonly string[];
}

/** The namespaces a selector asks for (its `pods` keys, else `namespaces`, else the default) that `protectedNamespaces` refuses. */
export function protectedNamespacesAskedFor(selector: PodSelectorSpec, options: SelectPodsOptions): string[] {
  const refused = new Set(options.protectedNamespaces ?? []);
  if (refused.size === 0) return [];
  const asked =
    selector.pods && Object.keys(selector.pods).length > 0
      ? Object.keys(selector.pods)
      : selector.namespaces?.length
        ? selector.namespaces
        : [options.defaultNamespace];
  return unique(asked).filter((namespace) => refused.has(namespace));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function matchesAnnotations(pod: V1Pod, annotations: Readonly<Record<string, string>>): boolean {
  const own = pod.metadata?.annotations ?? {};
  return Object.entries(annotations).every(([key, value]) => Object.hasOwn(own, key) && own[key] === value);
}

/**
 * The pods a PodSelectorSpec selects, before the mode is applied, with Chaos Mesh's semantics:
 *
 * - `pods` (namespace → names) overrides every other field: exactly those pods that exist;
 * - otherwise every filter is ANDed: `namespaces` (empty → `defaultNamespace`), `labelSelectors`
 *   and `expressionSelectors` and `fieldSelectors` (sent to the API server), `annotationSelectors`,
 *   `podPhaseSelectors` ("Phase" entries ORed, "!Phase" entries each exclude), and the nodes
 *   (`nodes` ∪ the nodes matching `nodeSelectors`; node filters that match no node select no pod);
 * - with `namespaceFilter`, namespaces without `chaos-mesh.org/inject: enabled` are skipped;
 * - `protectedNamespaces` are skipped always.
 *
 * Pods come back in namespace order, then as the source lists them, each once. An empty
 * result is not an error here; `selectPodTargets` and `selectContainerTargets` report it.
 * Throws a SelectorError (InvalidSelector) for a selector that cannot be evaluated.
 *
 * ```ts
 * const pods = await selectPods(source, { labelSelectors: { app: "web" } }, { defaultNamespace: "shop" });
 * ```
 */
export async function selectPods(source: PodSource, selector: PodSelectorSpec, options: SelectPodsOptions): Promise<V1Pod[]> {
  const allowed = new Map<string, Promise<boolean>>();
  const protectedNamespaces = new Set(options.protectedNamespaces ?? []);
  const isAllowed = (namespace: string): Promise<boolean> => {
    if (protectedNamespaces.has(namespace)) return Promise.resolve(false);
    if (!options.namespaceFilter) return Promise.resolve(true);
    let answer = allowed.get(namespace);
    if (!answer) {
      answer = source.getNamespace(namespace).then(isChaosEnabledNamespace);
      allowed.set(namespace, answer);
    }
    return answer;
  };

  if (selector.pods && Object.keys(selector.pods).length > 0) {
    const perNamespace = await Promise.all(
      Object.entries(selector.pods).map(async ([namespace, names]) => {
        if (!(await isAllowed(namespace))) return [];
        const pods = await Promise.all(unique(names).map((name) => source.readPod(namespace, name)));
        return pods.filter((pod): pod is V1Pod => pod !== undefined);
      }),
    );
    return perNamespace.flat();
  }

  const labelSelector = podLabelSelector(selector);
  checkLabelSelector(labelSelector);
  const phases = parsePhaseSelectors(selector.podPhaseSelectors);
  const annotations = selector.annotationSelectors ?? {};
  const fieldSelector: Record<string, string> = { ...selector.fieldSelectors };

  let nodeNames: Set<string> | undefined;
  const nodeSelectors = selector.nodeSelectors ?? {};
  if ((selector.nodes ?? []).length > 0 || Object.keys(nodeSelectors).length > 0) {
    nodeNames = new Set(selector.nodes ?? []);
    if (Object.keys(nodeSelectors).length > 0) {
      checkLabelSelector({ matchLabels: nodeSelectors }, "nodeSelectors");
      for (const node of await source.listNodes(nodeSelectors)) {
        if (node.metadata?.name) nodeNames.add(node.metadata.name);
      }
    }
    // the selector names nodes and none of them exists: nothing, never everything
    if (nodeNames.size === 0) return [];
    // one node: let the API server do the filtering (ANDed with any spec.nodeName given)
    if (nodeNames.size === 1 && fieldSelector["spec.nodeName"] === undefined) {
      fieldSelector["spec.nodeName"] = [...nodeNames][0]!;
    }
  }

  const namespaces = unique(selector.namespaces?.length ? selector.namespaces : [options.defaultNamespace]);
  const perNamespace = await Promise.all(
    namespaces.map(async (namespace) =>
      (await isAllowed(namespace)) ? source.listPods({ namespace, labelSelector, fieldSelector }) : [],
    ),
  );

  const seen = new Set<string>();
  return perNamespace.flat().filter((pod) => {
    const key = podKey(pod);
    if (seen.has(key)) return false;
    seen.add(key);
    return (
      matchesAnnotations(pod, annotations) &&
      matchesPhaseSelector(pod.status?.phase, phases) &&
      (!nodeNames || nodeNames.has(pod.spec?.nodeName ?? ""))
    );
  });
}
