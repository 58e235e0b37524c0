import { matchesLabelSelector, type LabelSelector } from "@faultline/selector";
import type { V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";

/**
 * What pod-kill and pod-failure do with a pod a PodDisruptionBudget covers (`spec.podDisruptionBudget`,
 * else the manager's `--kind-setting PodChaos.podDisruptionBudget`, chart `guardRails.podDisruptionBudget`):
 * `Wait` (the record waits until the PDB allows one more disruption), `Skip` (the record is skipped),
 * `Ignore` (Chaos Mesh's behaviour: PDBs are not looked at).
 */
export const podDisruptionBudgetModes = ["Wait", "Skip", "Ignore"] as const;
export type PodDisruptionBudgetMode = (typeof podDisruptionBudgetModes)[number];

/** The default when neither the PodChaos nor the manager says: Wait. */
export const defaultPodDisruptionBudgetMode: PodDisruptionBudgetMode = "Wait";

/** The kind setting that sets the default mode. */
export const podDisruptionBudgetSetting = "PodChaos.podDisruptionBudget";

/** Reads the manager's setting; absent → Wait; anything else than the three modes is refused, naming the setting. */
export function parsePodDisruptionBudgetSetting(value: string | undefined): PodDisruptionBudgetMode {
  if (value === undefined || value === "") return defaultPodDisruptionBudgetMode;
  if (!(podDisruptionBudgetModes as readonly string[]).includes(value)) {
    throw new Error(`--kind-setting ${podDisruptionBudgetSetting} must be Wait, Skip or Ignore, got ${JSON.stringify(value)}`);
  }
  return value as PodDisruptionBudgetMode;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Whether pod-failure (any PodChaos) holds a container of the pod on the pause image now. */
export function isPodFailed(pod: V1Pod): boolean {
  return Object.keys(pod.metadata?.annotations ?? {}).some((key) => key.startsWith("pod-failure.chaos-mesh.org/") || key.startsWith("pod-failure-init.chaos-mesh.org/"));
}

/** A pod that counts toward a PDB's healthy pods here: Ready, not being deleted, and not held by pod-failure (whose pause image may well be Ready). */
function isHealthy(pod: V1Pod): boolean {
  return isReady(pod) && !pod.metadata?.deletionTimestamp && !isPodFailed(pod);
}

/** The PDBs (of the pod's namespace) whose selector matches the pod; a PDB without a selector matches none, an empty one every pod. */
export function budgetsCovering(pod: V1Pod, budgets: readonly V1PodDisruptionBudget[]): V1PodDisruptionBudget[] {
  return budgets.filter((pdb) => pdb.spec?.selector != null && matchesLabelSelector(pod.metadata?.labels, pdb.spec.selector as LabelSelector));
}

/**
 * Why pod-failure of `target` would take a workload below one of its PodDisruptionBudgets, or
 * undefined when every PDB covering it allows one more disruption. For each PDB covering the target
 * (a target that is not healthy now takes nothing away, and passes): the healthy pods it covers,
 * counted from `pods` as they are now (a pod another pod-failure holds is not healthy, even where
 * its pause container is Ready; so is a pod this wave failed a moment ago, once its patch is
 * written), minus the PDB's `status.desiredHealthy`, and never more than the PDB's own
 * `status.disruptionsAllowed`. A PDB whose status has not caught up with its spec (observedGeneration)
 * allows nothing yet.
 */
export function podFailureBudgetRefusal(target: V1Pod, budgets: readonly V1PodDisruptionBudget[], pods: readonly V1Pod[]): string | undefined {
  if (!isHealthy(target)) return undefined;
  for (const pdb of budgetsCovering(target, budgets)) {
    const name = `${pdb.metadata?.namespace}/${pdb.metadata?.name}`;
    const status = pdb.status;
    if (!status || (pdb.metadata?.generation ?? 0) > (status.observedGeneration ?? -1)) {
      return `PodDisruptionBudget ${name} has not been processed by the disruption controller yet`;
    }
    const covered = pods.filter((pod) => matchesLabelSelector(pod.metadata?.labels, pdb.spec!.selector as LabelSelector));
    const healthy = covered.filter(isHealthy).length;
    const allowed = Math.min(status.disruptionsAllowed ?? 0, healthy - (status.desiredHealthy ?? 0));
    if (allowed < 1) {
      return `PodDisruptionBudget ${name} allows no more disruption: ${healthy} of its ${covered.length} pods healthy, at least ${status.desiredHealthy ?? 0} must stay healthy`;
    }
  }
  return undefined;
}

/**
 * The refusal of an Eviction by the API server (HTTP 429: a PodDisruptionBudget allows no more
 * disruption), worded from its Status (the PDB's name and numbers are in its causes), or undefined
 * for any other error.
 */
export function evictionRefusal(error: unknown): string | undefined {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown } | undefined;
  const code = typeof e?.code === "number" ? e.code : e?.statusCode;
  if (code !== 429) return undefined;
  let status = e?.body;
  if (typeof status === "string") {
    try {
      status = JSON.parse(status);
    } catch {
      status = undefined;
    }
  }
  const s = status as { message?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
  const causes = (s?.details?.causes ?? []).filter((c) => c.message).map((c) => c.message!);
  const why = [s?.message ?? "the eviction was refused (429)", ...causes].join(" ").trim();
  return `eviction refused by the API server: ${why}`;
}
