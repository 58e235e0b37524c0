import type { ChaosObject } from "@faultline/impl-registry";
import { cleanFinalizerAnnotation, cleanFinalizerForced, recordsFinalizer } from "./chaos-annotations.js";
import { type ChaosObjectClient, type ChaosResource, updateWithRetry } from "./chaos-object-client.js";
import type { SendEvent } from "./event-sender.js";

/** Adds or removes the records finalizer; answers the object as written, `undefined` when it is gone. */
export function setRecordsFinalizer(objects: ChaosObjectClient, resource: ChaosResource, obj: ChaosObject, present: boolean): Promise<ChaosObject | undefined> {
  return updateWithRetry(
    objects,
    resource,
    obj,
    (copy) => {
      const finalizers = copy.metadata.finalizers ?? [];
      if (finalizers.includes(recordsFinalizer) === present) return false;
      copy.metadata.finalizers = present ? [...finalizers, recordsFinalizer] : finalizers.filter((f) => f !== recordsFinalizer);
      return true;
    },
    (copy) => objects.replace(resource, copy),
  );
}

/**
 * The finalizer, first of all: on before anything is injected (Event `FinalizerInited`). Answers
 * the object to go on with, or `undefined` when the reconcile ends here: the object is gone, it is
 * deleted without the finalizer (not ours to hold), or it is deleted with
 * `cleanFinalizer: forced` (the finalizer removed at once, without recovering).
 */
export async function holdFinalizer(objects: ChaosObjectClient, resource: ChaosResource, obj: ChaosObject, send: SendEvent): Promise<ChaosObject | undefined> {
  const deleting = Boolean(obj.metadata.deletionTimestamp);
  const hasFinalizer = (obj.metadata.finalizers ?? []).includes(recordsFinalizer);
  if (deleting && !hasFinalizer) return undefined;
  let held: ChaosObject | undefined = obj;
  if (!hasFinalizer) {
    held = await setRecordsFinalizer(objects, resource, obj, true);
    if (!held) return undefined;
    send(held, "Normal", "FinalizerInited", `Finalizer ${recordsFinalizer} added`);
  }
  if (deleting && held.metadata.annotations?.[cleanFinalizerAnnotation] === cleanFinalizerForced) {
    if (await setRecordsFinalizer(objects, resource, held, false)) {
      send(held, "Normal", "FinalizerRemoved", `Finalizer removed without recovering (${cleanFinalizerAnnotation}: forced)`);
    }
    return undefined;
  }
  return held;
}

/**
 * On deletion, lets the object go once every record is `Not Injected` and none is marked
 * `applying` (Event `FinalizerRemoved`). Answers whether they all are (the reconcile ends).
 */
export async function releaseFinalizerWhenRecovered(objects: ChaosObjectClient, resource: ChaosResource, obj: ChaosObject, send: SendEvent): Promise<boolean> {
  const records = obj.status?.experiment?.containerRecords ?? [];
  if (!records.every((r) => r.phase === "Not Injected" && !r.applying)) return false;
  if (await setRecordsFinalizer(objects, resource, obj, false)) {
    send(obj, "Normal", "FinalizerRemoved", `Every record is recovered; finalizer ${recordsFinalizer} removed`);
  }
  return true;
}
