import type { CronSchedule } from "./cron-schedule.js";

/** How many missed runs {@link mostRecentMissedRun} counts before giving up, as CronJob does. */
export const maxMissedRuns = 100;

/** The message of {@link MissedRuns.tooMany}. */
export const tooManyMissedRunsMessage = `too many missed start times (> ${maxMissedRuns}): set or decrease .spec.startingDeadlineSeconds, or check clock skew`;

/** What {@link mostRecentMissedRun} found. */
export interface MissedRuns {
  /** The latest slot due by `now` and not run yet: the one run to start now (only one, however many were missed). */
  missed?: Date;
  /** The first slot after `now`: when to look again. */
  next?: Date;
  /** More than {@link maxMissedRuns} slots were due: nothing starts (CronJob's rule). */
  tooMany: boolean;
  /** `missed` is more than `startingDeadlineSeconds` late: it is skipped (event MissedSchedule). */
  stale: boolean;
  /** The first slot the deadline made the search skip, if any (they are skipped: event MissedSchedule). */
  skippedSince?: Date;
}

/** The inputs of {@link mostRecentMissedRun}. */
export interface MissedRunsInput {
  /** The last run's slot (`status.time`), absent before the first run. */
  lastRun?: Date;
  /** The Schedule's creationTimestamp: the search starts here when there was no run yet. */
  created: Date;
  now: Date;
  startingDeadlineSeconds?: number | null;
}

/**
 * Kubernetes CronJob's rule for what to start now, which Chaos Mesh's Schedule copies: search the
 * slots after the last run (or the creation) up to `now`, but no further back than
 * `startingDeadlineSeconds`; the latest of them is the one run to start.
 *
 * @example
 * mostRecentMissedRun(parseSchedule("@every 10s"), { lastRun, created, now }).missed
 */
export function mostRecentMissedRun(cron: CronSchedule, input: MissedRunsInput): MissedRuns {
  const { now } = input;
  const deadlineMs = input.startingDeadlineSeconds ? input.startingDeadlineSeconds * 1000 : undefined;
  const since = input.lastRun ?? input.created;
  let earliest = since;
  let skippedSince: Date | undefined;
  if (deadlineMs !== undefined && now.getTime() - deadlineMs > earliest.getTime()) {
    earliest = new Date(now.getTime() - deadlineMs);
    const first = cron.next(since);
    if (first && first.getTime() <= earliest.getTime()) skippedSince = first;
  }
  let missed: Date | undefined;
  let count = 0;
  let at = cron.next(earliest);
  while (at && at.getTime() <= now.getTime()) {
    if (++count > maxMissedRuns) return { next: cron.next(now), tooMany: true, stale: false, ...(skippedSince && { skippedSince }) };
    missed = at;
    at = cron.next(at);
  }
  const stale = missed !== undefined && deadlineMs !== undefined && missed.getTime() + deadlineMs < now.getTime();
  return { ...(missed && { missed }), ...(at && { next: at }), tooMany: false, stale, ...(skippedSince && { skippedSince }) };
}

/**
 * The latest slot in (`since`, `now`], or undefined: what a Schedule counts as its last run while
 * the kill switch skips its runs (so a long engagement leaves no missed runs behind). Searched in
 * windows back from `now` that double (1 s, 2 s, …) down to `since`: a few steps however long
 * ago `since` is, for a schedule of every second as for a yearly one.
 */
export function latestDueSlot(cron: CronSchedule, since: Date, now: Date): Date | undefined {
  for (let windowMs = 1000; ; windowMs *= 2) {
    const from = Math.max(since.getTime(), now.getTime() - windowMs);
    let latest: Date | undefined;
    for (let at = cron.next(new Date(from)); at && at.getTime() <= now.getTime(); at = cron.next(at)) latest = at;
    if (latest || from === since.getTime()) return latest;
  }
}
