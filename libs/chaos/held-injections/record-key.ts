import { parseContainerRecordId, parsePodRecordId } from "@faultline/api";

/**
 * The key a daemon holds one record's injection under: the experiment's uid and the record id
 * (`<uid>/<ns>/<pod>[/<container>]`), so the same record of the same object always finds its
 * injection again (after a manager or daemon restart) and another object's never. It is derived,
 * never stored. Kinds pass `obj.metadata.uid ?? namespacedName`: an object without a uid (only in
 * tests) falls back to its `namespace/name`, which {@link parseHeldRecordKey} does not accept, so
 * such keys are never swept.
 */
export function heldRecordKey(chaosUid: string, recordId: string): string {
  return `${chaosUid}/${recordId}`;
}

/**
 * {@link heldRecordKey} of `obj`'s record: the one place the rule "the object's uid, else its
 * `namespace/name`" is written, for the request apply sends and for what recover, the lost-injection
 * check and the sweep look for, so they cannot drift apart.
 */
export function heldRecordKeyOf(obj: { metadata: { uid?: string } }, recordId: string, namespacedName: string): string {
  return heldRecordKey(obj.metadata.uid ?? namespacedName, recordId);
}

/**
 * The experiment uid and record id of a {@link heldRecordKey}, or undefined for any other shape:
 * the uid must be a Kubernetes uid and the rest a record id `isRecordId` accepts.
 */
export function parseHeldRecordKey(key: string, isRecordId: (recordId: string) => boolean): { uid: string; recordId: string } | undefined {
  const slash = key.indexOf("/");
  if (slash <= 0) return undefined;
  const uid = key.slice(0, slash);
  const recordId = key.slice(slash + 1);
  if (!/^[0-9a-f-]{36}$/.test(uid)) return undefined;
  return isRecordId(recordId) ? { uid, recordId } : undefined;
}

const parses = (parse: (id: string) => unknown) => (recordId: string) => {
  try {
    parse(recordId);
    return true;
  } catch {
    return false;
  }
};

/** {@link parseHeldRecordKey} for a container kind's keys (`<uid>/<ns>/<pod>/<container>`). */
export function parseHeldContainerRecordKey(key: string): { uid: string; recordId: string } | undefined {
  return parseHeldRecordKey(key, parses(parseContainerRecordId));
}

/** {@link parseHeldRecordKey} for a pod kind's keys (`<uid>/<ns>/<pod>`). */
export function parseHeldPodRecordKey(key: string): { uid: string; recordId: string } | undefined {
  return parseHeldRecordKey(key, parses(parsePodRecordId));
}
