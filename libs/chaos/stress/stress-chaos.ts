import { defineChaosKind } from "@faultline/chaos-kind";
import { stressChaosCrd } from "./stress-chaos-crd.js";
import { stressChaosDaemon } from "./stress-chaos-daemon.js";
import { stressChaosManager, stressNodeCapability } from "./stress-chaos-manager.js";

/**
 * StressChaos: a lasting container kind. Apply starts stress-ng CPU and memory stressors inside
 * each target container's cgroups and pid namespace (ExecStressors on its node's daemon); Recover
 * stops them (CancelStressors). The experiment lasts `spec.duration`, or until it is deleted.
 */
export const stressChaos = defineChaosKind({
  crd: stressChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: stressChaosManager,
  daemon: (deps) => stressChaosDaemon(deps),
  // the daemon runs stress-ng in the target's namespaces: it must be able to run it
  nodeCapability: stressNodeCapability,
});
