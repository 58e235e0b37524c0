import { chaosGroup, chaosVersion } from "@faultline/api";
import { defineChaosKind, type ManagerKindDeps } from "@faultline/chaos-kind";
import { inlineSelector, type KeyedSelector } from "@faultline/impl-registry";
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { networkDaemonHandlers } from "./daemon/index.js";
import { networkChaosCrd, type NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation, networkChaosManager } from "./network-chaos-manager.js";

/** The selectors of a NetworkChaos: its own (".") and, when set, `target` (".Target"), as in Chaos Mesh. */
export function networkChaosSelectors(obj: NetworkChaos): KeyedSelector[] {
  const selectors = inlineSelector(obj);
  const target = obj.spec.target;
  if (target) selectors.push({ key: ".Target", selector: { selector: target.selector ?? {}, mode: target.mode, ...(target.value !== undefined && { value: target.value }) } });
  return selectors;
}

/** The manager impl wired to the manager's clients. */
function managerOf(deps: ManagerKindDeps) {
  const { customObjects, core } = deps;
  return networkChaosManager({
    decoder: deps.decoder,
    log: deps.log,
    async listNetworkChaos() {
      if (!customObjects) throw new Error("NetworkChaos needs the manager's custom objects client (ManagerKindDeps.customObjects)");
      const list = (await customObjects.listClusterCustomObject({ group: chaosGroup, version: chaosVersion, plural: "networkchaos" })) as { items: NetworkChaos[] };
      return list.items;
    },
    async listPods(namespace) {
      return (await core.listNamespacedPod({ namespace })).items;
    },
    async annotatePod(pod: V1Pod, value) {
      const { namespace = "", name = "", uid } = pod.metadata ?? {};
      // the uid makes the patch fail on a pod recreated under the same name since it was read
      const body = { metadata: { uid, annotations: { [networkChaosAppliedAnnotation]: value } } };
      await core.patchNamespacedPod({ namespace, name, body }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
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
});
