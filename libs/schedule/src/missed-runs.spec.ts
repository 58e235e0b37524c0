import { parseSchedule } from "./cron-schedule.js";
import { latestDueSlot, maxMissedRuns, mostRecentMissedRun } from "./missed-runs.js";

const at = (text: string) => new Date(text);
const everyMinute = parseSchedule("* * * * *");

describe("mostRecentMissedRun (CronJob's rules, a fake clock)", () => {
  test("nothing due yet: the next slot, when to look again", () => {
    const runs = mostRecentMissedRun(everyMinute, { created: at("2026-03-01T10:00:10Z"), now: at("2026-03-01T10:00:50Z") });
    expect(runs).toEqual({ next: at("2026-03-01T10:01:00Z"), tooMany: false, stale: false });
  });

  test("from the creation before the first run, from status.time after it", () => {
    expect(mostRecentMissedRun(everyMinute, { created: at("2026-03-01T10:00:10Z"), now: at("2026-03-01T10:01:00Z") }).missed).toEqual(at("2026-03-01T10:01:00Z"));
    expect(mostRecentMissedRun(everyMinute, { lastRun: at("2026-03-01T10:01:00Z"), created: at("2026-03-01T10:00:10Z"), now: at("2026-03-01T10:01:30Z") }).missed).toBeUndefined();
  });

  test("several missed: only the latest is run, once", () => {
    const runs = mostRecentMissedRun(everyMinute, { lastRun: at("2026-03-01T10:00:00Z"), created: at("2026-03-01T09:00:00Z"), now: at("2026-03-01T10:07:30Z") });
    expect(runs).toEqual({ missed: at("2026-03-01T10:07:00Z"), next: at("2026-03-01T10:08:00Z"), tooMany: false, stale: false });
  });

  test(`more than ${maxMissedRuns} missed: an error, nothing runs`, () => {
    const runs = mostRecentMissedRun(everyMinute, { lastRun: at("2026-03-01T10:00:00Z"), created: at("2026-03-01T09:00:00Z"), now: at("2026-03-01T11:41:00Z") });
    expect(runs.tooMany).toBe(true);
    expect(runs.missed).toBeUndefined();
    expect(mostRecentMissedRun(everyMinute, { lastRun: at("2026-03-01T10:00:00Z"), created: at("2026-03-01T09:00:00Z"), now: at("2026-03-01T11:40:00Z") }).tooMany).toBe(false);
  });

  test("startingDeadlineSeconds bounds the search: an hour down, the latest slot within the deadline runs, the rest are reported skipped", () => {
    const runs = mostRecentMissedRun(everyMinute, { lastRun: at("2026-03-01T08:00:00Z"), created: at("2026-03-01T07:00:00Z"), now: at("2026-03-01T10:00:30Z"), startingDeadlineSeconds: 60 });
    expect(runs).toEqual({ missed: at("2026-03-01T10:00:00Z"), next: at("2026-03-01T10:01:00Z"), tooMany: false, stale: false, skippedSince: at("2026-03-01T08:01:00Z") });
  });

  test("startingDeadlineSeconds: a daily slot missed by more than the deadline is not run", () => {
    const daily = parseSchedule("@daily");
    const runs = mostRecentMissedRun(daily, { lastRun: at("2026-03-01T00:00:00Z"), created: at("2026-02-01T00:00:00Z"), now: at("2026-03-02T00:05:00Z"), startingDeadlineSeconds: 120 });
    expect(runs.missed).toBeUndefined();
    expect(runs.skippedSince).toEqual(at("2026-03-02T00:00:00Z"));
    expect(runs.next).toEqual(at("2026-03-03T00:00:00Z"));
  });

  test("a slot exactly at now is due", () => {
    expect(mostRecentMissedRun(parseSchedule("@every 2s"), { created: at("2026-03-01T00:00:00Z"), now: at("2026-03-01T00:00:02Z") }).missed).toEqual(at("2026-03-01T00:00:02Z"));
  });

  test("a schedule that never runs has neither a missed nor a next run", () => {
    expect(mostRecentMissedRun(parseSchedule("0 0 30 2 *"), { created: at("2026-01-01T00:00:00Z"), now: at("2026-06-01T00:00:00Z") })).toEqual({ tooMany: false, stale: false });
  });
});

describe("latestDueSlot", () => {
  test("the latest slot in (since, now], found quickly however far back since is", () => {
    expect(latestDueSlot(everyMinute, at("2026-03-01T10:00:00Z"), at("2026-03-01T13:07:30Z"))).toEqual(at("2026-03-01T13:07:00Z"));
    expect(latestDueSlot(parseSchedule("@every 1s"), at("2000-01-01T00:00:00Z"), at("2026-03-01T13:07:30.500Z"))?.getTime()).toBeLessThanOrEqual(at("2026-03-01T13:07:30.500Z").getTime());
    expect(latestDueSlot(parseSchedule("@yearly"), at("2020-06-01T00:00:00Z"), at("2026-03-01T13:07:30Z"))).toEqual(at("2026-01-01T00:00:00Z"));
  });
  test("none due since: undefined", () => {
    expect(latestDueSlot(everyMinute, at("2026-03-01T13:07:00Z"), at("2026-03-01T13:07:30Z"))).toBeUndefined();
  });
});
