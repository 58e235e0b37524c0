import { killSwitchCrd, type CustomResourceDefinition } from "@faultline/api";
import { crdsOf, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { recordShardCrd } from "@faultline/records";
import { chaosOnlyScheduleSpecSchema, scheduleCrd } from "@faultline/schedule";
import { statusCheckCrd, statusCheckSpecSchema } from "@faultline/status-check";
import { workflowCrds, workflowSpecSchema } from "@faultline/workflow";

/**
 * Every CRD a manager serving `kinds` needs: each kind's, RecordShard (the records of an experiment
 * too large for its status), and Schedule, Workflow, WorkflowNode and StatusCheck built over the same
 * kinds (a Schedule or a Workflow template embeds any of their specs, a Schedule a Workflow's), and
 * the cluster-wide KillSwitch (faultline.chaos-mesh.org; every manager reads it). The
 * manager owns them because it runs those controllers over its kinds: `libs/chaos` (the kinds) stays
 * below the orchestration libraries. `npm run generate:crds -w @faultline/manager` writes them for the
 * built-in kinds into `libs/chaos/crds`; a custom manager with kinds of its own generates its CRDs
 * with the same call.
 *
 * @example
 * const crds = managerCrds([...builtInChaosKinds, myChaos]);
 */
export function managerCrds(kinds: readonly ChaosKindDefinition[]): CustomResourceDefinition[] {
  const embedded = { scheduleSpec: chaosOnlyScheduleSpecSchema(kinds), statusCheckSpec: statusCheckSpecSchema };
  return [...crdsOf(kinds), recordShardCrd(), scheduleCrd(kinds, { workflowSpec: workflowSpecSchema(kinds, embedded) }), ...workflowCrds(kinds, embedded), statusCheckCrd(), killSwitchCrd()];
}

/** What each generated CRD file names as its source and the command that regenerates it. */
export const crdHeader = { source: "libs/chaos (the catalog's kinds)", command: "npm run generate:crds -w @faultline/manager" } as const;
