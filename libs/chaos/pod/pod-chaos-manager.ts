import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl, SweptInjection } from "@faultline/impl-registry";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { PodSource } from "@faultline/selector";
import { ContainerAction_Action, isObjectNotFound, parsePodRecordId } from "@faultline/api";
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import type { PodChaos } from "./pod-chaos-crd.js";
import { podContainers, podFailureAnnotationKey, readPodFailureMark } from "./pod-failure-annotations.js";
import { podFailureApplyPatch, podFailureRecoverPatch, type JsonPatchOperation } from "./pod-failure-patch.js";

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
}


/**
 * The manager side of PodChaos, per record:
 * - pod-kill (one-shot): deletes the pod with `gracePeriod` seconds (0: at once);
 * - container-kill (one-shot): `ContainerKill` on the daemon of the container's node;
 * - pod-failure (lasts `duration`): every container and init container runs the pause image, the
 *   original images kept in annotations on the pod; Recover puts them back. A pod that is gone, or
 *   was recreated under the same name, has nothing of this experiment left: recovered.
 *
 * `sweep` releases the pods whose pod-failure marks name a PodChaos (by uid) that is gone or no
 * longer holds the pod's record, exactly as Recover would: that uid leaves the marks, and a
 * container no other PodChaos holds gets its original image back. A dry run (`ctx.dryRun`) reports
 * the same pods and patches none.
 */
export function podChaosManager(deps: PodChaosManagerDeps): ChaosImpl<PodChaos> {
  const pauseImage = deps.pauseImage ?? defaultPauseImage;
  const patchPod = (namespace: string, name: string, ops: JsonPatchOperation[]) =>
    deps.core.patchNamespacedPod({ namespace, name, body: ops }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const { action } = obj.spec;
      deps.log(`Apply pod chaos: ${action}`, { id: record.id, chaos: ctx.namespacedName });
      if (action === "container-kill") {
        const target = await deps.decoder.decodeContainer(record.id, obj);
        await target.daemon.containerKill({ action: { action: ContainerAction_Action.KILL }, containerId: target.containerId }, { signal: ctx.signal });
        return "Injected";
      }
      const { namespace, podName } = parsePodRecordId(record.id);
      if (action === "pod-kill") {
        await deps.core.deleteNamespacedPod({ namespace, name: podName, gracePeriodSeconds: obj.spec.gracePeriod ?? 0 });
        return "Injected";
      }
      const pod = await deps.pods.readPod(namespace, podName);
      if (!pod) throw new Error(`pod ${namespace}/${podName} not found`);
      const ops = podFailureApplyPatch(pod, obj.metadata.uid ?? "", pauseImage);
      if (ops.length > 0) await patchPod(namespace, podName, ops);
      return "Injected";
    },

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
