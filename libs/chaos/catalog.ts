import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import { helloWorldChaos } from "./helloworld/index.js";

/**
 * Every chaos kind Faultline ships, listed once: the manager serves these kinds, the daemon serves
 * their RPCs, and `npm run generate:crds -w @faultline/chaos` writes their CRDs (and so the
 * chart's). Adding a kind is one line here.
 */
export const builtInChaosKinds: readonly ChaosKindDefinition[] = [
  helloWorldChaos,
];
