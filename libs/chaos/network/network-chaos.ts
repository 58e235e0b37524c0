import { chaosGroup, chaosVersion } from "@faultline/api";
import { defineChaosKind, type ManagerKindDeps } from "@faultline/chaos-kind";
import { inlineSelector, type KeyedSelector } from "@faultline/impl-registry";
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { networkDaemonHandlers } from "./daemon/index.js";
import { networkChaosCrd, type NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation, networkChaosManager } from "./network-chaos-manager.js";
import { networkNodeCapability } from "./network-node-capability.js";

/** The selectors of a NetworkChaos: its own (".") and, when set, `target` (".Target"), as in Chaos Mesh. */
export function networkChaosSelectors(obj: NetworkChaos): KeyedSelector[] {
  const selectors = inlineSelector(obj);
  const target = obj.spec.target;
  if (target) selectors.push({ key: ".Target", selector: { selector: target.selector ?? {}, mode: target.mode, ...(target.value !== undefined && { value: target.value }) } });
  return selectors;
}

const holds = (chaos: NetworkChaos, podId: string) => (chaos.status?.experiment?.containerRecords ?? []).some((r) => r.id === podId);

/**
 * The manager impl wired to the manager's caches (`experiments`, `podCache`): no API call per
 * record but the applied annotation's patch. Without them (a composition that runs no watch) it
 * reads the API server: every NetworkChaos, and the pods of each namespace involved.
 */
function managerOf(deps: ManagerKindDeps) {
  const { customObjects, core, experiments, podCache } = deps;
  const kind = "NetworkChaos";
  const listAll = async () => {
    if (!customObjects) throw new Error("NetworkChaos needs the manager's experiment cache (ManagerKindDeps.experiments) or its custom objects client (ManagerKindDeps.customObjects)");
    return ((await customObjects.listClusterCustomObject({ group: chaosGroup, version: chaosVersion, plural: "networkchaos" })) as { items: NetworkChaos[] }).items;
  };
  return networkChaosManager({
    decoder: deps.decoder,
    log: deps.log,
    onPod: experiments ? async (podId) => experiments.onPod(kind, podId) as NetworkChaos[] : async (podId) => (await listAll()).filter((c) => holds(c, podId)),
    ...(experiments && { seenVersion: (uid: string) => experiments.byUid(kind, uid)?.metadata.resourceVersion }),
    async readPods(ids) {
      const pods = new Map<string, V1Pod>();
      if (podCache) {
        for (const id of ids) {
          const [namespace = "", name = ""] = id.split("/");
          const pod = podCache.get(namespace, name);
          if (pod) pods.set(id, pod);
        }
        return pods;
      }
      const wanted = new Set(ids);
      for (const namespace of new Set(ids.map((id) => id.split("/")[0] ?? ""))) {
        for (const pod of (await core.listNamespacedPod({ namespace })).items) {
          const id = `${namespace}/${pod.metadata?.name ?? ""}`;
          if (wanted.has(id)) pods.set(id, pod);
        }
      }
      return pods;
    },
    ...(podCache && { readPodAfterWrite: (namespace: string, name: string, resourceVersion: string) => podCache.getAtLeast(namespace, name, resourceVersion) }),
    async annotatePod(pod: V1Pod, value) {
      const { namespace = "", name = "", uid } = pod.metadata ?? {};
      // the uid makes the patch fail on a pod recreated under the same name since it was read
      const body = { metadata: { uid, annotations: { [networkChaosAppliedAnnotation]: value } } };
      const written = await core.patchNamespacedPod({ namespace, name, body }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      return written.metadata?.resourceVersion;
    },
    ...(deps.event && { event: deps.event }),
  });
}

/**
 * NetworkChaos, Chaos Mesh's manifests unchanged: tc faults (netem, delay, loss, duplicate,
 * corrupt, rate, bandwidth) and partition, toward all traffic, `target` pods or `externalTargets`,
 * in the direction asked. Records are pods: the selected ones (".") and the targets (".Target").
 */
export const networkChaos = defineChaosKind({
  crd: networkChaosCrd,
  oneShot: false,
  selectorKind: "pod",
  selectors: networkChaosSelectors,
  manager: managerOf,
  daemon: networkDaemonHandlers,
  nodeCapability: networkNodeCapability,
});
