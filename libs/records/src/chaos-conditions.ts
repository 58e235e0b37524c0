import type { ChaosCondition, ChaosConditionType, Record } from "@faultline/api";

const order: ChaosConditionType[] = ["Selected", "AllInjected", "AllRecovered", "Paused"];

/**
 * The four conditions, from the records and the pause state (Chaos Mesh's rules): Selected when
 * records exist; AllInjected when there are records and every one is exactly Injected;
 * AllRecovered when every one is exactly Not Injected (false before selection); Paused when paused.
 */
export function computeConditions(records: readonly Record[] | undefined, paused: boolean): ChaosCondition[] {
  const selected = records !== undefined && records.length > 0;
  const status = (value: boolean): "True" | "False" => (value ? "True" : "False");
  return [
    { type: "Selected", status: status(selected) },
    { type: "AllInjected", status: status(selected && records!.every((r) => r.phase === "Injected")) },
    { type: "AllRecovered", status: status(selected && records!.every((r) => r.phase === "Not Injected")) },
    { type: "Paused", status: status(paused) },
  ];
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
