import type { DesiredPhase, Record } from "@faultline/api";
import { operationFor } from "./due-records.js";
import { recordKey } from "./record-key.js";
import type { StatusMutation } from "./status-writer.js";

/**
 * The `applying` mark of every record the wave is about to apply (not a re-apply, not already
 * marked), as one status change; `undefined` when there is none. It goes out in the write before the
 * wave: from then on a stop recovers those records whatever happens to this process or the write of
 * their outcome, and no daemon is called before that write has succeeded.
 */
export function applyingMarks(records: readonly Record[], due: readonly number[], reapply: ReadonlySet<number>, phase: DesiredPhase): StatusMutation | undefined {
  const toMark = new Set(
    due
      .filter((index) => !reapply.has(index) && operationFor(phase, records[index]!) === "Apply" && !records[index]!.applying)
      .map((index) => recordKey(records[index]!)),
  );
  if (toMark.size === 0) return undefined;
  return (status) => {
    for (const stored of status.experiment?.containerRecords ?? []) if (toMark.has(recordKey(stored))) stored.applying = true;
  };
}
