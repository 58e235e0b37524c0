import { pauseAnnotation, truncateMessage, type ChaosCondition, type ChaosConditionType, type Record } from "@faultline/api";
import { skippedPhase, waitingMessagePrefix } from "@faultline/impl-registry";

const order: ChaosConditionType[] = ["Selected", "AllInjected", "AllRecovered", "Paused"];

/** The longest message a condition carries, in characters. */
export const maxConditionMessageLength = 512;

const status = (value: boolean): "True" | "False" => (value ? "True" : "False");

/** Why an object is paused when it is not (only) its pause annotation: the kill switch, for one. */
export interface PausedBy {
  reason: string;
  message: string;
}

/** A record a guard rail of its kind makes wait (its last event is a waiting apply: impl-registry's ApplyWaiting). */
const isWaiting = (r: Record) => r.events?.at(-1)?.message?.startsWith(waitingMessagePrefix) === true;

/** Records whose last attempt failed (their last event is Failed), those waiting on a guard rail apart. */
const failing = (records: readonly Record[]) => records.filter((r) => r.events?.at(-1)?.type === "Failed" && !isWaiting(r)).length;

function countsMessage(done: number, total: number, verb: "injected" | "recovered", failed: number, declined = { waiting: 0, skipped: 0 }): string {
  const parts = [
    ...(declined.waiting > 0 ? [`${declined.waiting} waiting on a guard rail`] : []),
    ...(declined.skipped > 0 ? [`${declined.skipped} skipped by a guard rail`] : []),
    ...(failed > 0 ? [`${failed} failing`] : []),
  ];
  return `${done} of ${total} record(s) ${verb}${parts.length > 0 ? `, ${parts.join(", ")} (see the records' events)` : ""}`;
}

/**
 * The four conditions, from the records and the pause state (Chaos Mesh's rules): Selected when
 * records exist; AllInjected when there are records and every one is exactly Injected;
 * AllRecovered when every one is exactly Not Injected and not marked `applying` (false before selection); Paused when paused
 * (`paused` true: by the pause annotation; a {@link PausedBy}: with its reason and message, e.g. the kill switch).
 * Each carries a reason and a short message, as Kubernetes conventions ask. Before selection, a
 * Selected=False condition in `previous` (a selection failure: {@link withSelectionFailure}) is kept, and so is
 * a Selected=True with reason `Planned` (a plan's candidates: `planStep`).
 */
export function computeConditions(records: readonly Record[] | undefined, paused: boolean | PausedBy, previous?: readonly ChaosCondition[]): ChaosCondition[] {
  const selected = records !== undefined && records.length > 0;
  if (!selected) {
    // a selection failure, or a plan's candidates (reason Planned, written by planStep), is kept until records exist
    const failed = previous?.find(
      (c) => c.type === "Selected" && c.reason !== undefined && ((c.status === "False" && c.reason !== "NotSelected") || (c.status === "True" && c.reason === "Planned")),
    );
    const notSelected = { status: "False" as const, reason: "NotSelected", message: "no target is selected yet" };
    return [
      failed ? { ...failed } : { type: "Selected", ...notSelected },
      { type: "AllInjected", ...notSelected },
      { type: "AllRecovered", ...notSelected },
      pausedCondition(paused),
    ];
  }
  const all = records!;
  const injected = all.filter((r) => r.phase === "Injected").length;
  // a record marked `applying` may hold an injection whatever its phase: not recovered yet
  const recovered = all.filter((r) => r.phase === "Not Injected" && !r.applying).length;
  const failed = failing(all);
  return [
    { type: "Selected", status: "True", reason: "Selected", message: `${all.length} target(s) selected` },
    {
      type: "AllInjected",
      status: status(injected === all.length),
      reason: injected === all.length ? "AllInjected" : "NotAllInjected",
      message: countsMessage(injected, all.length, "injected", injected === all.length ? 0 : failed, {
        waiting: all.filter((r) => r.phase !== "Injected" && isWaiting(r)).length,
        skipped: all.filter((r) => r.phase === skippedPhase).length,
      }),
    },
    {
      type: "AllRecovered",
      status: status(recovered === all.length),
      reason: recovered === all.length ? "AllRecovered" : "NotAllRecovered",
      message: countsMessage(recovered, all.length, "recovered", recovered === all.length ? 0 : failed),
    },
    pausedCondition(paused),
  ];
}

function pausedCondition(paused: boolean | PausedBy): ChaosCondition {
  if (typeof paused === "object") return { type: "Paused", status: "True", reason: paused.reason, message: truncateMessage(paused.message, maxConditionMessageLength) };
  return paused
    ? { type: "Paused", status: "True", reason: "Paused", message: `the ${pauseAnnotation} annotation is "true"` }
    : { type: "Paused", status: "False", reason: "NotPaused" };
}

/**
 * `conditions` with Selected=False saying why selection failed (`reason` CamelCase, for example
 * `NoPodSelected` or `InvalidValue`), kept by {@link computeConditions} until targets are selected.
 */
export function withSelectionFailure(conditions: readonly ChaosCondition[] | undefined, reason: string, message: string): ChaosCondition[] {
  const failure: ChaosCondition = {
    type: "Selected",
    status: "False",
    reason,
    message: truncateMessage(`Failed to select targets: ${message}`, maxConditionMessageLength),
  };
  return [failure, ...(conditions ?? []).filter((c) => c.type !== "Selected")];
}

/**
 * The conditions that differ between two lists, as `Type=Status` strings, for events and logs.
 * Conditions other than the four are kept as they are by the pipeline and never compared.
 */
export function changedConditions(before: readonly ChaosCondition[] | undefined, after: readonly ChaosCondition[]): string[] {
  return order.flatMap((type) => {
    const now = after.find((c) => c.type === type);
    const was = before?.find((c) => c.type === type);
    return now && now.status !== was?.status ? [`${type}=${now.status}`] : [];
  });
}

/** Replaces the four conditions in `existing` with `computed`, keeping any other condition types. */
export function mergeConditions(existing: readonly ChaosCondition[] | undefined, computed: readonly ChaosCondition[]): ChaosCondition[] {
  const others = (existing ?? []).filter((c) => !order.includes(c.type));
  return [...computed, ...others];
}
