import { defineChaosKind } from "@faultline/chaos-kind";
import { ioChaosCrd } from "./io-chaos-crd.js";
import { ioChaosDaemon } from "./io-chaos-daemon.js";
import { ioChaosManager, ioFuseCapability, missingIOFuseReason } from "./io-chaos-manager.js";

/**
 * IOChaos: a lasting container kind. Apply has the node's daemon fault one volume of the target
 * container through a FUSE server mounted over it (ExecIOChaos, after checking the node can);
 * Recover removes the record's action (RecoverIOChaos), leaving other IOChaos on the same volume,
 * other volumes and other containers in force. The experiment lasts `spec.duration`, or until it is
 * deleted.
 */
export const ioChaos = defineChaosKind({
  crd: ioChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: ioChaosManager,
  daemon: ioChaosDaemon,
  nodeCapability: (caps) => {
    const reason = missingIOFuseReason(caps);
    return reason === undefined ? { capable: true } : { capable: false, reason: `lacks ${ioFuseCapability} (${reason})` };
  },
});
