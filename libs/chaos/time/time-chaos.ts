import { defineChaosKind } from "@faultline/chaos-kind";
import { timeChaosCrd } from "./time-chaos-crd.js";
import { timeChaosDaemon } from "./time-chaos-daemon.js";
import { missingTimeSkewReason, timeChaosManager, timeSkewCapability } from "./time-chaos-manager.js";

/**
 * TimeChaos: a lasting container kind. Apply has the node's daemon shift the clocks every process
 * of the target container reads through the vDSO (SetTimeOffset, after checking the node can);
 * Recover removes the record's offset (RecoverTimeOffset), leaving other TimeChaos on the same
 * container in force. The experiment lasts `spec.duration`, or until it is deleted.
 */
export const timeChaos = defineChaosKind({
  crd: timeChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: timeChaosManager,
  daemon: timeChaosDaemon,
  nodeCapability: (caps) => {
    const reason = missingTimeSkewReason(caps);
    return reason === undefined ? { capable: true } : { capable: false, reason: `lacks ${timeSkewCapability} (${reason})` };
  },
});
