import { defineChaosKind } from "@faultline/chaos-kind";
import { podChaosCrd } from "./pod-chaos-crd.js";
import { podChaosManager } from "./pod-chaos-manager.js";

/**
 * PodChaos, Chaos Mesh's manifests unchanged: pod-kill and container-kill are one-shot;
 * pod-failure lasts `duration`. Records are pods (`ns/name`) except for container-kill, whose
 * records are the named containers (`ns/pod/container`).
 */
export const podChaos = defineChaosKind({
  crd: podChaosCrd,
  oneShot: (obj) => obj.spec.action !== "pod-failure",
  selectorKind: (obj) => (obj.spec.action === "container-kill" ? "container" : "pod"),
  manager: ({ decoder, pods, core, log, settings }) =>
    podChaosManager({ decoder, pods, core, log, ...(settings["PodChaos.pauseImage"] && { pauseImage: settings["PodChaos.pauseImage"] }) }),
});
