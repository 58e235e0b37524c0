import type { KindLog } from "@faultline/chaos-kind";
import { ApplySkipped, ApplyWaiting, type ChaosImpl, type SweptInjection } from "@faultline/impl-registry";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { PodSource } from "@faultline/selector";
import { isObjectNotFound, parsePodRecordId } from "@faultline/api";
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1Pod, type V1PodDisruptionBudget } from "@kubernetes/client-node";
import { KeyedLock } from "../pod-netns-process/keyed-lock.js";
import { ContainerKillBatcher, maxKillsPerCall } from "./container-kill-batcher.js";
import type { PodChaos } from "./pod-chaos-crd.js";
import { planPodChaos, podEvictionOf, podKillGracePeriodOf } from "./pod-chaos-plan.js";
import { podContainers, podFailureAnnotationKey, readPodFailureMark } from "./pod-failure-annotations.js";
import { podFailureApplyPatch, podFailureRecoverPatch, type JsonPatchOperation } from "./pod-failure-patch.js";
import { defaultPodDisruptionBudgetMode, evictionRefusal, podFailureBudgetRefusal, type PodDisruptionBudgetMode } from "./pod-disruption-budget.js";

/** The image pod-failure runs in every container unless the manager is told otherwise. */
export const defaultPauseImage = "registry.k8s.io/pause:3.6";

/** What the PodChaos manager impl needs. */
export interface PodChaosManagerDeps {
  decoder: RecordDecoder;
  pods: Pick<PodSource, "readPod">;
  core: CoreV1Api;
  log: KindLog;
  /** pod-failure's image; default {@link defaultPauseImage}. */
  pauseImage?: string;
  /**
   * The manager's generic client, through which pod-failure lists the PodDisruptionBudgets of its
   * target's namespace (`policy/v1`). Needed unless every PodChaos is `podDisruptionBudget: Ignore`.
   */
  customObjects?: CustomObjectsApi;
  /** What a PodChaos without `spec.podDisruptionBudget` does about PDBs; default Wait. */
  podDisruptionBudget?: PodDisruptionBudgetMode;
}


/**
 * The manager side of PodChaos, per record:
 * - pod-kill (one-shot): deletes the pod with `gracePeriod` seconds (0: at once), through the
 *   Eviction API unless `podDisruptionBudget` is Ignore (the API server enforces the pod's PDBs:
 *   its refusal makes the record wait or be skipped);
 * - container-kill (one-shot): the container killed by the daemon of its node; the wave applies
 *   every record at once and the kills asked of one node in the same turn go in one
 *   `ContainerKillMany` (`ContainerKillBatcher`; one `ContainerKill` each for a daemon without it);
 * - pod-failure (lasts `duration`): every container and init container runs the pause image, the
 *   original images kept in annotations on the pod; Recover puts them back. Unless
 *   `podDisruptionBudget` is Ignore, a pod whose PDBs allow no more disruption (counting the pods
 *   failed a moment ago: the check and the patch run one at a time per namespace) waits or is
 *   skipped. A pod that is gone, or
 *   was recreated under the same name, has nothing of this experiment left: recovered.
 *
 * `sweep` releases the pods whose pod-failure marks name a PodChaos (by uid) that is gone or no
 * longer holds the pod's record, exactly as Recover would: that uid leaves the marks, and a
 * container no other PodChaos holds gets its original image back. A dry run (`ctx.dryRun`) reports
 * the same pods and patches none.
 */
export function podChaosManager(deps: PodChaosManagerDeps): ChaosImpl<PodChaos> {
  const pauseImage = deps.pauseImage ?? defaultPauseImage;
  const kills = new ContainerKillBatcher();
  const budgetChecks = new KeyedLock(); // per namespace: each check sees the patches made before it
  const modeOf = (obj: PodChaos): PodDisruptionBudgetMode => obj.spec.podDisruptionBudget ?? deps.podDisruptionBudget ?? defaultPodDisruptionBudgetMode;
  const decline = (mode: PodDisruptionBudgetMode, why: string): Error =>
    mode === "Skip" ? new ApplySkipped(`${why} (spec.podDisruptionBudget: Skip)`) : new ApplyWaiting(`${why} (spec.podDisruptionBudget: Wait)`);
  const listBudgets = async (namespace: string): Promise<V1PodDisruptionBudget[]> => {
    if (!deps.customObjects) throw new Error("PodChaos cannot read PodDisruptionBudgets (no API client given); set spec.podDisruptionBudget: Ignore to go without");
    const list = (await deps.customObjects.listNamespacedCustomObject({ group: "policy", version: "v1", namespace, plural: "poddisruptionbudgets" })) as { items?: V1PodDisruptionBudget[] };
    return list.items ?? [];
  };
  const patchPod = (namespace: string, name: string, ops: JsonPatchOperation[]) =>
    deps.core.patchNamespacedPod({ namespace, name, body: ops }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const { action } = obj.spec;
      deps.log(`Apply pod chaos: ${action}`, { id: record.id, chaos: ctx.namespacedName });
      if (action === "container-kill") {
        const started = performance.now();
        const target = await deps.decoder.decodeContainer(record.id, obj);
        const decoded = performance.now();
        await kills.kill(`${target.nodeName}\0${ctx.namespacedName}`, target.daemon, target.containerId, ctx.signal);
        const ms = (t: number) => Math.round(t * 10) / 10;
        deps.log("container killed", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName, decodeMs: ms(decoded - started), killMs: ms(performance.now() - decoded) });
        return "Injected";
      }
      const { namespace, podName } = parsePodRecordId(record.id);
      const mode = modeOf(obj);
      if (action === "pod-kill") {
        const gracePeriodSeconds = podKillGracePeriodOf(obj);
        if (mode === "Ignore") {
          await deps.core.deleteNamespacedPod({ namespace, name: podName, gracePeriodSeconds });
          return "Injected";
        }
        try {
          await deps.core.createNamespacedPodEviction({ namespace, name: podName, body: podEvictionOf(namespace, podName, gracePeriodSeconds) });
        } catch (error) {
          const refusal = evictionRefusal(error);
          if (refusal !== undefined) throw decline(mode, refusal);
          throw error;
        }
        return "Injected";
      }
      const failPod = async () => {
        const pod = await deps.pods.readPod(namespace, podName);
        if (!pod) throw new Error(`pod ${namespace}/${podName} not found`);
        const ops = podFailureApplyPatch(pod, obj.metadata.uid ?? "", pauseImage);
        if (ops.length === 0) return; // already failed by this PodChaos
        if (mode !== "Ignore") {
          const budgets = await listBudgets(namespace);
          if (budgets.length > 0) {
            const pods = (await deps.core.listNamespacedPod({ namespace })).items;
            const refusal = podFailureBudgetRefusal(pod, budgets, pods);
            if (refusal !== undefined) throw decline(mode, refusal);
          }
        }
        await patchPod(namespace, podName, ops);
      };
      await (mode === "Ignore" ? failPod() : budgetChecks.run(namespace, failPod));
      return "Injected";
    },

    // a container-kill's apply only queues its kill: the batcher sends one ContainerKillMany per node
    waveParallelism: (obj) => (obj.spec.action === "container-kill" ? maxKillsPerCall : undefined),

    plan: (_ctx, index, records, obj) =>
      planPodChaos(
        { decoder: deps.decoder, pods: deps.pods, budgets: listBudgets, podsIn: async (namespace) => (await deps.core.listNamespacedPod({ namespace })).items },
        records[index]!,
        obj,
        { pauseImage, mode: modeOf(obj) },
      ),

    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      const { action } = obj.spec;
      deps.log(`Recover pod chaos: ${action}`, { id: record.id, chaos: ctx.namespacedName });
      if (action !== "pod-failure") return "Not Injected"; // a killed pod or container is not brought back
      const { namespace, podName } = parsePodRecordId(record.id);
      const pod = await deps.pods.readPod(namespace, podName);
      if (!pod) return "Not Injected"; // gone: nothing of it is left to restore
      const ops = podFailureRecoverPatch(pod, obj.metadata.uid ?? "");
      if (ops.length > 0) {
        try {
          await patchPod(namespace, podName, ops);
        } catch (error) {
          if (!isObjectNotFound(error, podName)) throw error; // deleted between the read and the patch: recovered
        }
      }
      return "Not Injected";
    },

    async sweep(ctx) {
      const swept: SweptInjection[] = [];
      for (const listed of await ctx.listPods()) {
        const { namespace = "", name = "" } = listed.metadata ?? {};
        // the marks first, the question after: a PodChaos writes its records before it marks a pod
        const owners = new Set(marksOn(listed).flatMap((m) => m.by));
        for (const uid of owners) {
          if (ctx.signal.aborted) return swept;
          if (await ctx.holds({ uid }, `${namespace}/${name}`)) continue;
          const pod = await deps.pods.readPod(namespace, name);
          if (!pod) continue; // gone: nothing of it is left
          const containers = marksOn(pod).filter((m) => m.by.includes(uid)).map((m) => m.container);
          const ops = podFailureRecoverPatch(pod, uid);
          if (ops.length === 0) continue;
          if (ctx.dryRun) {
            swept.push({ pod: { namespace, name, ...(pod.metadata?.uid !== undefined && { uid: pod.metadata.uid }) }, owner: { uid }, what: `pod-failure of container(s) ${containers.join(", ")}` });
            continue;
          }
          try {
            await patchPod(namespace, name, ops);
          } catch (error) {
            if (isObjectNotFound(error, name)) continue;
            // a pod changed since it was read (a failed test op): the next pass reads it again
            ctx.log("pod-failure sweep of a pod failed: tried again at the next pass", { pod: `${namespace}/${name}`, chaosUid: uid, error: (error as Error).message });
            continue;
          }
          ctx.log("pod-failure swept", { pod: `${namespace}/${name}`, chaosUid: uid, containers });
          swept.push({ pod: { namespace, name, ...(pod.metadata?.uid !== undefined && { uid: pod.metadata.uid }) }, owner: { uid }, what: `pod-failure of container(s) ${containers.join(", ")}` });
        }
      }
      return swept;
    },
  };
}

/** The pod-failure marks on a pod, per container; a value that is not a mark is skipped (the apply path reports it). */
function marksOn(pod: V1Pod): { container: string; by: string[] }[] {
  const marks: { container: string; by: string[] }[] = [];
  for (const { list, container } of podContainers(pod)) {
    try {
      const mark = readPodFailureMark(pod, podFailureAnnotationKey(list, container.name));
      if (mark) marks.push({ container: container.name, by: mark.by });
    } catch {
      // not ours to guess at
    }
  }
  return marks;
}
