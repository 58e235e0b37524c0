import type { KillSwitchState } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import type { ChaosObjectClient, ChaosResource } from "./chaos-object-client.js";
import type { SendEvent } from "./event-sender.js";
import type { StatusCompaction } from "./status-compaction.js";
import { StatusWriteError, StatusWriter, type StatusMutation } from "./status-writer.js";

/** One reconcile's status changes: staged, then written together by `commit`. */
export interface StatusBatch {
  readonly writer: StatusWriter;
  /** Queues a change for the next commit; its failure is kept for that commit to throw. */
  stage(mutate: StatusMutation): void;
  /** Writes what is staged in one write; throws {@link StatusWriteError} when a write failed. */
  commit(): Promise<void>;
}

/**
 * Status changes are staged and written together: the desired phase, the records and the marks of
 * the records about to be applied go out in one write before any daemon is called, and a wave's
 * outcomes in one write after it. Each staged change has its owner at once; `commit` fails the
 * reconcile when its write failed (the queue retries the object). A status that does not fit even
 * without record events is a Warning Event `StatusTooLarge`.
 */
export function createStatusBatch(objects: ChaosObjectClient, resource: ChaosResource, obj: ChaosObject, options: { compaction: StatusCompaction; send: SendEvent; killSwitch?: () => KillSwitchState | undefined }): StatusBatch {
  const writer = new StatusWriter(objects, resource, obj, {
    compaction: options.compaction,
    ...(options.killSwitch && { killSwitch: options.killSwitch }),
    onTooLarge: (tooLarge) => options.send(tooLarge, "Warning", "StatusTooLarge", "Status does not fit the object size limit even without record events"),
  });
  const failures: unknown[] = [];
  return {
    writer,
    stage: (mutate) => void writer.stage(mutate).catch((error: unknown) => void failures.push(error)),
    async commit() {
      await writer.flush();
      if (failures.length > 0) throw new StatusWriteError(`${obj.metadata.namespace}/${obj.metadata.name}`, failures.splice(0));
    },
  };
}
