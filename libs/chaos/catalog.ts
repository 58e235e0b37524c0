import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import * as kinds from "./kinds.js";

/**
 * Every chaos kind Faultline ships, listed once (one export line each in `kinds.ts`, in name
 * order): the manager serves these kinds, the daemon serves their RPCs, and
 * `npm run generate:crds -w @faultline/manager` writes their CRDs (and so the chart's).
 */
export const builtInChaosKinds: readonly ChaosKindDefinition[] = Object.values(kinds);
