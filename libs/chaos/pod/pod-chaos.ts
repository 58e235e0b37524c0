import { defineChaosKind } from "@faultline/chaos-kind";
import { podChaosCrd } from "./pod-chaos-crd.js";
import { podChaosManager } from "./pod-chaos-manager.js";
import { parsePodDisruptionBudgetSetting, podDisruptionBudgetSetting } from "./pod-disruption-budget.js";

/**
 * PodChaos, Chaos Mesh's manifests unchanged: pod-kill and container-kill are one-shot;
 * pod-failure lasts `duration`. Records are pods (`ns/name`) except for container-kill, whose
 * records are the named containers (`ns/pod/container`).
 */
export const podChaos = defineChaosKind({
  crd: podChaosCrd,
  oneShot: (obj) => obj.spec.action !== "pod-failure",
  selectorKind: (obj) => (obj.spec.action === "container-kill" ? "container" : "pod"),
  manager: ({ decoder, pods, core, customObjects, log, settings }) =>
    podChaosManager({
      decoder,
      pods,
      core,
      log,
      ...(customObjects && { customObjects }),
      podDisruptionBudget: parsePodDisruptionBudgetSetting(settings[podDisruptionBudgetSetting]),
      ...(settings["PodChaos.pauseImage"] && { pauseImage: settings["PodChaos.pauseImage"] }),
    }),
});
