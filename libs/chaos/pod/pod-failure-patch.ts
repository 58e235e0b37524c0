import type { V1Pod } from "@kubernetes/client-node";
import { podContainers, podFailureAnnotationKey, readPodFailureMark, type PodFailureMark } from "./pod-failure-annotations.js";

/** One RFC 6902 JSON Patch operation. */
export type JsonPatchOperation =
  | { op: "test" | "add" | "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

const pointer = (...parts: (string | number)[]) => "/" + parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/**
 * The JSON Patch that puts every container of `pod` on `pauseImage` for the PodChaos `chaosUid`,
 * keeping each original image in its mark; empty when this PodChaos already holds every container.
 * It starts with `test`s of the pod's uid and of each value it builds on, so the API server applies
 * it to exactly the pod that was read, or refuses it whole (and the record is retried).
 */
export function podFailureApplyPatch(pod: V1Pod, chaosUid: string, pauseImage: string): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [{ op: "test", path: "/metadata/uid", value: pod.metadata?.uid }];
  const annotations = pod.metadata?.annotations;
  if (annotations === undefined) ops.push({ op: "add", path: "/metadata/annotations", value: {} });
  let changes = 0;
  for (const { list, index, container } of podContainers(pod)) {
    const key = podFailureAnnotationKey(list, container.name);
    const mark = readPodFailureMark(pod, key);
    const keyPath = pointer("metadata", "annotations", key);
    if (mark?.by.includes(chaosUid)) continue;
    changes++;
    if (mark) {
      // another PodChaos already fails it: join, so that the image returns when both have recovered
      ops.push({ op: "test", path: keyPath, value: annotations![key] });
      ops.push({ op: "replace", path: keyPath, value: JSON.stringify({ image: mark.image, by: [...mark.by, chaosUid] } satisfies PodFailureMark) });
      continue;
    }
    const imagePath = pointer("spec", list, index, "image");
    ops.push({ op: "test", path: pointer("spec", list, index, "name"), value: container.name });
    ops.push({ op: "test", path: imagePath, value: container.image });
    ops.push({ op: "add", path: keyPath, value: JSON.stringify({ image: container.image ?? "", by: [chaosUid] } satisfies PodFailureMark) });
    ops.push({ op: "replace", path: imagePath, value: pauseImage });
  }
  return changes === 0 ? [] : ops;
}

/**
 * The JSON Patch that releases every container `chaosUid` holds: its uid leaves each mark, and a
 * container no other PodChaos holds gets its original image back and loses its mark. Empty when
 * this PodChaos holds nothing on the pod (never injected, already recovered, or a new pod under
 * the same name, which carries no mark of the old one's).
 */
export function podFailureRecoverPatch(pod: V1Pod, chaosUid: string): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [{ op: "test", path: "/metadata/uid", value: pod.metadata?.uid }];
  let changes = 0;
  for (const { list, index, container } of podContainers(pod)) {
    const key = podFailureAnnotationKey(list, container.name);
    const mark = readPodFailureMark(pod, key);
    if (!mark?.by.includes(chaosUid)) continue;
    changes++;
    const keyPath = pointer("metadata", "annotations", key);
    ops.push({ op: "test", path: keyPath, value: pod.metadata!.annotations![key] });
    const others = mark.by.filter((uid) => uid !== chaosUid);
    if (others.length > 0) {
      ops.push({ op: "replace", path: keyPath, value: JSON.stringify({ image: mark.image, by: others } satisfies PodFailureMark) });
      continue;
    }
    ops.push({ op: "test", path: pointer("spec", list, index, "name"), value: container.name });
    ops.push({ op: "replace", path: pointer("spec", list, index, "image"), value: mark.image });
    ops.push({ op: "remove", path: keyPath });
  }
  return changes === 0 ? [] : ops;
}
