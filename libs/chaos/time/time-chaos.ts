import { defineChaosKind } from "@faultline/chaos-kind";
import { timeChaosCrd } from "./time-chaos-crd.js";
import { timeChaosDaemon } from "./time-chaos-daemon.js";
import { timeChaosManager } from "./time-chaos-manager.js";

/** TimeChaos: a lasting container kind whose Apply runs ExecTimeChaos on each target's daemon and whose Recover runs RecoverTimeChaos. */
export const timeChaos = defineChaosKind({
  crd: timeChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: timeChaosManager,
  daemon: timeChaosDaemon,
});
