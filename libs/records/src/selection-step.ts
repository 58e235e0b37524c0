import type { DesiredPhase, Record } from "@faultline/api";
import type { ChaosKind, ChaosObject } from "@faultline/impl-registry";
import { withSelectionFailure } from "./chaos-conditions.js";
import type { SendEvent } from "./event-sender.js";
import { errorMessage } from "./record-key.js";
import { selectionFailureReason } from "./selection-failure.js";
import type { StatusBatch } from "./status-batch.js";
import type { TargetSelector } from "./target-selector.js";

/** What {@link selectTargetsOnce} did: nothing (records exist, or not running), selected, or failed with the Selected condition's reason. */
export type SelectionOutcome = { selected: boolean; failureReason?: undefined } | { selected: false; failureReason: string };

/**
 * Targets, once: when the status has no records yet and the desired phase is `Run`, the kind's
 * selectors are evaluated and one `Not Injected` record per target and selector is staged (Event
 * `Selected`). Records are never re-selected. Zero targets or a selector error stages
 * `Selected=False` with the selector's reason, writes it, and sends a Warning `Failed`; the caller
 * then ends the reconcile (see `selectionRetry` for when to look again).
 */
export async function selectTargetsOnce(input: {
  kind: ChaosKind;
  obj: ChaosObject;
  phase: DesiredPhase;
  selector: TargetSelector;
  batch: StatusBatch;
  send: SendEvent;
}): Promise<SelectionOutcome> {
  const { kind, obj, batch, send } = input;
  if (batch.writer.current.status?.experiment?.containerRecords !== undefined || input.phase !== "Run") return { selected: false };
  let failure = "no pod is selected";
  let failureReason = "NoPodSelected";
  try {
    const targets = await input.selector.select(kind, obj);
    if (targets.length > 0) {
      batch.stage((status) => {
        status.experiment ??= {};
        status.experiment.containerRecords ??= targets.map(
          ({ recordId, selectorKey }): Record => ({ id: recordId, selectorKey, phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }),
        );
      });
      const named = targets.map((t) => t.recordId).slice(0, 20).join(", ");
      send(obj, "Normal", "Selected", `Selected ${targets.length} target(s): ${named}${targets.length > 20 ? ", …" : ""}`);
      const protectedAsked = input.selector.protectedNamespacesAskedFor?.(kind, obj) ?? [];
      if (protectedAsked.length > 0) {
        const are = protectedAsked.length > 1 ? "are" : "is";
        send(obj, "Warning", "ProtectedNamespace", `namespace ${protectedAsked.join(", ")} ${are} protected (the manager's --protected-namespaces): no pod there is targeted`);
      }
      return { selected: true };
    }
  } catch (error) {
    failure = errorMessage(error);
    failureReason = selectionFailureReason(error);
  }
  // on the condition too (written only when it changes), not only in an Event
  batch.stage((status) => {
    status.conditions = withSelectionFailure(status.conditions, failureReason, failure);
  });
  await batch.commit();
  send(obj, "Warning", "Failed", `Failed to select targets: ${failure}`);
  return { selected: false, failureReason };
}
