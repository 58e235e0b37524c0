import { defineChaosKind } from "@faultline/chaos-kind";
import { ioChaosCrd } from "./io-chaos-crd.js";
import { ioChaosDaemon } from "./io-chaos-daemon.js";
import { ioChaosManager } from "./io-chaos-manager.js";

/** IOChaos: a lasting container kind whose Apply runs ExecIOChaos on each target's daemon and whose Recover runs RecoverIOChaos. */
export const ioChaos = defineChaosKind({
  crd: ioChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: ioChaosManager,
  daemon: ioChaosDaemon,
});
