import { defineChaosKind } from "@faultline/chaos-kind";
import { httpChaosCrd } from "./http-chaos-crd.js";
import { httpChaosDaemon } from "./http-chaos-daemon.js";
import { httpChaosManager } from "./http-chaos-manager.js";

/** HTTPChaos: a lasting pod kind whose Apply runs ExecHTTPChaos on each target's daemon and whose Recover runs RecoverHTTPChaos. */
export const httpChaos = defineChaosKind({
  crd: httpChaosCrd,
  oneShot: false,
  selectorKind: "pod",
  manager: httpChaosManager,
  daemon: httpChaosDaemon,
});
