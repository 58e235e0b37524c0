// What the Schedules page shows of a Schedule: its cron, last run, next runs (computed by the
// Schedule controller's own cron evaluation, `parseSchedule` of @faultline/schedule: robfig's
// dialect on croner, `CRON_TZ=`, `@every`), concurrency policy, history limit, and the objects
// it created (its children: owner reference to the Schedule, label `managed-by`).
import { parseSchedule } from "@faultline/schedule/cron";
import { managedByLabel } from "@faultline/schedule/names";
import type { Schedule } from "@faultline/schedule/types";
import { pauseAnnotation } from "@faultline/api";

/** What the page reads of a Schedule (libs/schedule's type; a listed object always has its name). */
export type ScheduleView = Pick<Schedule, "spec" | "status"> & { metadata: Schedule["metadata"] & { name: string } };

export interface ChildLike {
  kind?: string;
  metadata: { name: string; uid?: string; creationTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[]; deletionTimestamp?: string };
}

/** The label a Schedule's children carry (Chaos Mesh's LabelManagedBy), libs/schedule's own. */
export { managedByLabel };

export type NextRuns = { ok: true; timeZone: string; runs: Date[] } | { ok: false; error: string };

/** The next `count` runs strictly after `from`, as the Schedule controller computes them, or why the schedule cannot be read. */
export function nextRuns(schedule: string, from: Date, count: number): NextRuns {
  let cron;
  try {
    cron = parseSchedule(schedule);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const runs: Date[] = [];
  for (let at = cron.next(from); at !== undefined && runs.length < count; at = cron.next(at)) runs.push(at);
  return { ok: true, timeZone: cron.timeZone, runs };
}

/** How late a run may be before it is shown as due (the controller's reaction time, the status write, the watch). */
export const dueGraceMs = 10_000;

export interface ScheduleSummary {
  name: string;
  namespace: string;
  cron: string;
  type: string;
  paused: boolean;
  /** The last run's slot (status.time, Chaos Mesh's lastScheduleTime), if it ran. */
  lastRun?: string;
  /**
   * The next runs computed here, as the controller counts them: after the last run (or the
   * Schedule's creation), not after now, so `@every 5m` runs 5 minutes after its last run (none
   * when paused or the schedule is invalid).
   */
  next: NextRuns;
  /** A run that was due and has not started (missed, or held back by Forbid): the slot; `next` then counts from now. */
  due?: string;
  /** The controller's own next slot (status.nextTime), to compare. */
  controllerNext?: string;
  concurrencyPolicy: string;
  /** True when the policy is not written (Forbid is the default). */
  concurrencyDefaulted: boolean;
  historyLimit?: number;
  startingDeadlineSeconds?: number;
  /** Names of the children the controller counts as unfinished (status.active). */
  active: string[];
  /** A Ready=False condition's reason and message (an invalid schedule, too many missed runs). */
  problem?: string;
}

export function summarizeSchedule(schedule: ScheduleView, now: Date, count = 3): ScheduleSummary {
  const paused = schedule.metadata.annotations?.[pauseAnnotation] === "true";
  const ready = (schedule.status?.conditions ?? []).find((c) => c.type === "Ready" && c.status === "False");
  const lastRun = schedule.status?.time;
  const since = lastRun ?? schedule.metadata.creationTimestamp;
  let next: NextRuns = { ok: true, timeZone: "UTC", runs: [] };
  let due: string | undefined;
  if (!paused) {
    next = nextRuns(schedule.spec.schedule, since !== undefined && !Number.isNaN(Date.parse(since)) ? new Date(since) : now, count);
    const first = next.ok ? next.runs[0] : undefined;
    if (first !== undefined && first.getTime() <= now.getTime()) {
      // the controller acts within a few seconds of a slot: only a run later than that is "due"
      if (now.getTime() - first.getTime() > dueGraceMs) due = first.toISOString();
      next = nextRuns(schedule.spec.schedule, now, count);
    }
  }
  return {
    name: schedule.metadata.name,
    namespace: schedule.metadata.namespace ?? "",
    cron: schedule.spec.schedule,
    type: schedule.spec.type,
    paused,
    ...(lastRun ? { lastRun } : {}),
    next,
    ...(due !== undefined ? { due } : {}),
    ...(schedule.status?.nextTime ? { controllerNext: schedule.status.nextTime } : {}),
    concurrencyPolicy: schedule.spec.concurrencyPolicy ?? "Forbid",
    concurrencyDefaulted: schedule.spec.concurrencyPolicy === undefined,
    ...(schedule.spec.historyLimit !== undefined ? { historyLimit: schedule.spec.historyLimit } : {}),
    ...(schedule.spec.startingDeadlineSeconds !== undefined && schedule.spec.startingDeadlineSeconds !== null ? { startingDeadlineSeconds: schedule.spec.startingDeadlineSeconds } : {}),
    active: (schedule.status?.active ?? []).map((a) => a.name ?? "").filter((n) => n !== ""),
    ...(ready ? { problem: `${ready.reason ?? "NotReady"}: ${ready.message ?? ""}`.replace(/: $/, "") } : {}),
  };
}

/** The objects a Schedule created among `objects`: those it owns (by uid; by kind and name when its uid is unknown), newest first. */
export function childrenOf<T extends ChildLike>(schedule: ScheduleView, objects: readonly T[]): T[] {
  const owns = (o: ChildLike) =>
    (o.metadata.ownerReferences ?? []).some((ref) => ref.kind === "Schedule" && (schedule.metadata.uid !== undefined ? ref.uid === schedule.metadata.uid : ref.name === schedule.metadata.name));
  return objects.filter(owns).sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") || b.metadata.name.localeCompare(a.metadata.name));
}

/** The label selector that narrows the listing of a Schedule's children (a name too long for a label value is hashed by the controller: list all then). */
export function childrenSelector(scheduleName: string): string | undefined {
  return scheduleName.length <= 63 ? `${managedByLabel}=${scheduleName}` : undefined;
}
