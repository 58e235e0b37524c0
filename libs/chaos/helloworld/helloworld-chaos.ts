import { defineChaosKind } from "@faultline/chaos-kind";
import { helloWorldChaosCrd } from "./helloworld-chaos-crd.js";
import { helloWorldChaosDaemon } from "./helloworld-chaos-daemon.js";
import { helloWorldChaosManager } from "./helloworld-chaos-manager.js";

/**
 * HelloWorldChaos, the kind of Chaos Mesh's "extend the chaos daemon" walk-through: a one-shot
 * container kind whose Apply runs `ps aux` in each target container through the daemon.
 */
export const helloWorldChaos = defineChaosKind({
  crd: helloWorldChaosCrd,
  oneShot: true,
  selectorKind: "container",
  manager: helloWorldChaosManager,
  daemon: helloWorldChaosDaemon,
});
