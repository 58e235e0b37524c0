import { ContainerAction_Action, ContainerKillManyRequestSchema, ContainerRequestSchema, parsePodRecordId, type PlannedStep, type Record } from "@faultline/api";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { RecordPlan } from "@faultline/impl-registry";
import type { PodSource } from "@faultline/selector";
import type { V1Eviction, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { decodeForPlan, requestJson } from "../record-plan/record-plan.js";
import type { PodChaos } from "./pod-chaos-crd.js";
import { podFailureBudgetRefusal, type PodDisruptionBudgetMode } from "./pod-disruption-budget.js";
import { podFailureApplyPatch } from "./pod-failure-patch.js";

/** The grace period pod-kill deletes or evicts with: `spec.gracePeriod`, 0 (at once) when absent. */
export const podKillGracePeriodOf = (obj: PodChaos): number => obj.spec.gracePeriod ?? 0;

/** The Eviction pod-kill creates for a pod when PodDisruptionBudgets are honoured. */
export function podEvictionOf(namespace: string, name: string, gracePeriodSeconds: number): V1Eviction {
  return { metadata: { namespace, name }, deleteOptions: { gracePeriodSeconds } };
}

/** The ContainerKillMany request container-kill sends for the containers of one node killed together. */
export function containerKillManyRequestOf(containerIds: readonly string[]): MessageInitShape<typeof ContainerKillManyRequestSchema> {
  return { containerIds: [...containerIds] };
}

/** The ContainerKill request container-kill sends for a container to a daemon without ContainerKillMany. */
export function containerKillRequestOf(containerId: string): MessageInitShape<typeof ContainerRequestSchema> {
  return { action: { action: ContainerAction_Action.KILL }, containerId };
}

/** What a PodChaos plan reads, never writes. */
export interface PodChaosPlanDeps {
  decoder: RecordDecoder;
  pods: Pick<PodSource, "readPod">;
  /** The PodDisruptionBudgets of a namespace (pod-failure's check). */
  budgets(namespace: string): Promise<V1PodDisruptionBudget[]>;
  /** The pods of a namespace as they are now (pod-failure's check counts the healthy ones). */
  podsIn(namespace: string): Promise<V1Pod[]>;
}

const podPath = (namespace: string, name: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;

/**
 * What PodChaos's apply would do for `record`, read-only, from the builders apply uses:
 * - pod-kill: the DELETE of the pod (`podDisruptionBudget: Ignore`) or the POST of its Eviction
 *   (`podEvictionOf`: the API server then enforces its PDBs), with the grace period;
 * - pod-failure: the JSON Patch (`podFailureApplyPatch` of the pod as it is now); unless Ignore, the
 *   PDB check apply makes, its answer in the step's note (the record would wait or be skipped);
 * - container-kill: ContainerKillMany (`containerKillManyRequestOf`) on the container's node's
 *   daemon, this container's part of it (ContainerKill, `containerKillRequestOf`, where that daemon lacks it).
 * A pod or container that cannot be reached is a plan saying why (not capable).
 */
export async function planPodChaos(deps: PodChaosPlanDeps, record: Record, obj: PodChaos, options: { pauseImage: string; mode: PodDisruptionBudgetMode }): Promise<RecordPlan> {
  const { action } = obj.spec;
  if (action === "container-kill") {
    const decoded = await decodeForPlan(() => deps.decoder.decodeContainer(record.id, obj));
    if (decoded.plan) return decoded.plan;
    const { target } = decoded;
    return {
      capable: true,
      steps: [
        {
          on: "daemon",
          rpc: "ContainerKillMany",
          request: requestJson(ContainerKillManyRequestSchema, containerKillManyRequestOf([target.containerId])),
          note: `the daemon of node ${target.nodeName} finds the container's init process and kills it (SIGKILL), in one call with the wave's other container-kills on that node (ContainerKill ${JSON.stringify(requestJson(ContainerRequestSchema, containerKillRequestOf(target.containerId)))} on a daemon without ContainerKillMany); the kubelet restarts it by the pod's restartPolicy`,
        },
      ],
    };
  }
  const { namespace, podName } = parsePodRecordId(record.id);
  const pod = await deps.pods.readPod(namespace, podName);
  if (!pod) return { capable: false, reason: `pod ${namespace}/${podName} not found`, steps: [] };
  const honour = options.mode !== "Ignore";
  if (action === "pod-kill") {
    const gracePeriodSeconds = podKillGracePeriodOf(obj);
    const step: PlannedStep = honour
      ? {
          on: "api",
          patch: { method: "POST", path: `${podPath(namespace, podName)}/eviction`, body: { apiVersion: "policy/v1", kind: "Eviction", ...podEvictionOf(namespace, podName, gracePeriodSeconds) } },
          note: `an Eviction: the API server refuses it while a PodDisruptionBudget allows no more disruption, and the record then ${options.mode === "Skip" ? "is skipped" : "waits"} (spec.podDisruptionBudget: ${options.mode})`,
        }
      : { on: "api", patch: { method: "DELETE", path: podPath(namespace, podName), body: { gracePeriodSeconds } }, note: "PodDisruptionBudgets are not looked at (spec.podDisruptionBudget: Ignore)" };
    return { capable: true, steps: [step] };
  }
  const ops = podFailureApplyPatch(pod, obj.metadata.uid ?? "", options.pauseImage);
  if (ops.length === 0) return { capable: true, steps: [{ on: "api", note: "this PodChaos already fails every container of the pod: nothing to patch" }] };
  let note = `every container runs ${options.pauseImage}; the original images kept in the pod's annotations for recovery`;
  if (honour) {
    const budgets = await deps.budgets(namespace);
    const refusal = budgets.length === 0 ? undefined : podFailureBudgetRefusal(pod, budgets, await deps.podsIn(namespace));
    note += refusal === undefined ? "; no PodDisruptionBudget refuses it now" : `; now ${refusal}: the record would ${options.mode === "Skip" ? "be skipped" : "wait"} (spec.podDisruptionBudget: ${options.mode})`;
  }
  return { capable: true, steps: [{ on: "api", patch: { method: "PATCH", path: podPath(namespace, podName), contentType: "application/json-patch+json", body: ops }, note }] };
}
