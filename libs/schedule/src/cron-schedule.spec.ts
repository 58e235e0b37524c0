import fc from "fast-check";
import { parseSchedule, ScheduleParseError } from "./cron-schedule.js";

const runs = (schedule: string, from: string, count: number): string[] => {
  const parsed = parseSchedule(schedule);
  const out: string[] = [];
  let at: Date | undefined = new Date(from);
  for (let i = 0; i < count && at; i++) {
    at = parsed.next(at);
    if (at) out.push(at.toISOString().replace(".000Z", "Z"));
  }
  return out;
};

describe("parseSchedule: five and six fields", () => {
  test("five fields start at second 0; the next run is strictly after", () => {
    expect(runs("*/15 * * * *", "2026-03-01T10:15:00Z", 3)).toEqual(["2026-03-01T10:30:00Z", "2026-03-01T10:45:00Z", "2026-03-01T11:00:00Z"]);
    expect(runs("30 6 * * *", "2026-03-01T06:30:00.001Z", 1)).toEqual(["2026-03-02T06:30:00Z"]);
  });

  test("six fields read seconds first", () => {
    expect(runs("*/2 * * * * *", "2026-03-01T00:00:00.500Z", 3)).toEqual(["2026-03-01T00:00:02Z", "2026-03-01T00:00:04Z", "2026-03-01T00:00:06Z"]);
    expect(runs("10 0 12 * * *", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-01T12:00:10Z", "2026-03-02T12:00:10Z"]);
  });

  test("ranges, lists, steps, N/step (N to the maximum) and names in either case", () => {
    expect(runs("0 9-17/4 * * *", "2026-03-01T00:00:00Z", 4)).toEqual(["2026-03-01T09:00:00Z", "2026-03-01T13:00:00Z", "2026-03-01T17:00:00Z", "2026-03-02T09:00:00Z"]);
    expect(runs("0 50/5 0 * * *", "2026-03-01T00:00:00Z", 3)).toEqual(["2026-03-01T00:50:00Z", "2026-03-01T00:55:00Z", "2026-03-02T00:50:00Z"]);
    expect(runs("0 12 * Jan,MAR sat", "2026-01-30T00:00:00Z", 3)).toEqual(["2026-01-31T12:00:00Z", "2026-03-07T12:00:00Z", "2026-03-14T12:00:00Z"]);
    expect(runs("0 0 * * MON-fri", "2026-03-06T01:00:00Z", 2)).toEqual(["2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z"]);
  });

  test("day of month and day of week: OR when both are restricted, AND when either is a bare star", () => {
    // 2026-03-01 is a Sunday: the 13th or Fridays
    expect(runs("0 0 13 * 5", "2026-03-01T00:00:00Z", 4)).toEqual(["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z", "2026-03-27T00:00:00Z"]);
    // */2 is restricted for robfig (a step > 1 drops the star): odd days or Mondays
    expect(runs("0 0 */2 * 1", "2026-03-01T00:00:00Z", 4)).toEqual(["2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-05T00:00:00Z", "2026-03-07T00:00:00Z"]);
    // */1 and ? keep the star: Mondays only
    expect(runs("0 0 */1 * 1", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"]);
    expect(runs("0 0 ? * 1", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"]);
    // 1-31 is restricted although it is every day: with Mondays, every day
    expect(runs("0 0 1-31 * 1", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"]);
  });

  test("an impossible date never runs", () => {
    expect(parseSchedule("0 0 30 2 *").next(new Date("2026-01-01T00:00:00Z"))).toBeUndefined();
  });
});

describe("parseSchedule: descriptors and @every", () => {
  test.each([
    ["@yearly", "2027-01-01T00:00:00Z"],
    ["@annually", "2027-01-01T00:00:00Z"],
    ["@monthly", "2026-04-01T00:00:00Z"],
    ["@weekly", "2026-03-08T00:00:00Z"],
    ["@daily", "2026-03-04T00:00:00Z"],
    ["@midnight", "2026-03-04T00:00:00Z"],
    ["@hourly", "2026-03-03T11:00:00Z"],
  ])("%s", (descriptor, next) => {
    expect(runs(descriptor, "2026-03-03T10:20:30Z", 1)).toEqual([next]);
  });

  test("@every adds the delay to the instant less its fraction of a second", () => {
    expect(runs("@every 5s", "2026-03-01T00:00:00.750Z", 3)).toEqual(["2026-03-01T00:00:05Z", "2026-03-01T00:00:10Z", "2026-03-01T00:00:15Z"]);
    expect(runs("@every 1h30m", "2026-03-01T00:00:07Z", 2)).toEqual(["2026-03-01T01:30:07Z", "2026-03-01T03:00:07Z"]);
  });

  test("@every rounds down to whole seconds", () => {
    expect(runs("@every 2.9s", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T00:00:02Z"]);
    expect(runs("@every 1s", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-01T00:00:01Z", "2026-03-01T00:00:02Z"]);
    expect(runs("@every 1999ms", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T00:00:01Z"]);
    expect(runs("@every 0.1h", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T00:06:00Z"]);
  });
});

describe("parseSchedule: time zones", () => {
  test("CRON_TZ= and TZ= read the fields in that zone", () => {
    expect(runs("CRON_TZ=Asia/Tokyo 0 9 * * *", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"]);
    expect(runs("TZ=America/New_York 0 0 9 * * *", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T14:00:00Z"]);
    expect(parseSchedule("TZ=America/New_York @daily").timeZone).toBe("America/New_York");
    expect(runs("TZ=America/New_York @daily", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T05:00:00Z"]);
    expect(runs("CRON_TZ=UTC @every 10s", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T00:00:10Z"]);
  });

  test("across daylight saving time in Europe/Berlin (UTC+1 → UTC+2 on 2026-03-29, back on 2026-10-25)", () => {
    // a daily job keeps its local time: 06:30 local is 05:30Z before the change, 04:30Z after
    expect(runs("CRON_TZ=Europe/Berlin 30 6 * * *", "2026-03-28T00:00:00Z", 3)).toEqual(["2026-03-28T05:30:00Z", "2026-03-29T04:30:00Z", "2026-03-30T04:30:00Z"]);
    // 02:30 does not exist on 2026-03-29: it runs at 03:00 local, right after the gap (robfig skips the day)
    expect(runs("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-28T00:00:00Z", 3)).toEqual(["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]);
    // 02:30 happens twice on 2026-10-25: it runs once (robfig runs twice)
    expect(runs("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-24T00:00:00Z", 3)).toEqual(["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]);
    // an interval job runs in both occurrences of the repeated hour: each is its own instant
    expect(runs("CRON_TZ=Europe/Berlin 0 */30 2 * * *", "2026-10-25T00:00:00Z", 4)).toEqual(["2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:00:00Z"]);
  });

  test("a bad zone is refused", () => {
    expect(() => parseSchedule("CRON_TZ=Mars/Olympus 0 * * * *")).toThrow("parse schedule field error: provided bad location Mars/Olympus");
  });
});

describe("parseSchedule: errors say what robfig/cron says", () => {
  test.each([
    ["", "empty spec string"],
    ["* * * *", "expected 5 to 6 fields, found 4: [* * * *]"],
    ["* * * * * * *", "expected 5 to 6 fields, found 7"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* 24 * * *", "end of range (24) above maximum (23): 24"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["* * * 13 *", "end of range (13) above maximum (12): 13"],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["x * * * *", "failed to parse int from x"],
    ["L * * * *", "failed to parse int from L"],
    ["* * * * mon#2", "failed to parse int from mon#2"],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@every 5", "failed to parse duration @every 5"],
    ["@every 0s", "@every needs a delay of at least 1s, not 0s: @every 0s"],
    ["@every 0", "@every needs a delay of at least 1s, not 0: @every 0"],
    ["@every 999ms", "@every needs a delay of at least 1s, not 999ms: @every 999ms"],
    ["@every -5s", "@every needs a delay of at least 1s, not -5s: @every -5s"],
    ["CRON_TZ=UTC @every 500ms", "@every needs a delay of at least 1s, not 500ms: @every 500ms"],
    ["@every five", "failed to parse duration @every five"],
    ["CRON_TZ=UTC", "a time zone prefix needs a schedule after it"],
  ])("%j", (schedule, message) => {
    expect(() => parseSchedule(schedule)).toThrow(ScheduleParseError);
    expect(() => parseSchedule(schedule)).toThrow(`parse schedule field error: ${message}`);
  });
});

// A reference for the property test: robfig's matching rule written out, searched day by day (UTC).
function referenceNext(values: number[][], star: boolean[], after: Date): Date | undefined {
  const [seconds, minutes, hours, doms, months, dows] = values as [number[], number[], number[], number[], number[], number[]];
  const dayMatches = (d: Date) => {
    const dom = doms.includes(d.getUTCDate());
    const dow = dows.includes(d.getUTCDay());
    return star[3] || star[5] ? dom && dow : dom || dow;
  };
  const day = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!months.includes(day.getUTCMonth() + 1) || !dayMatches(day)) continue;
    for (const h of hours) for (const m of minutes) for (const s of seconds) {
      const at = new Date(day.getTime() + ((h * 60 + m) * 60 + s) * 1000);
      if (at > after) return at;
    }
  }
  return undefined;
}

describe("parseSchedule: property", () => {
  const bounds: [number, number][] = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
  const field = ([min, max]: [number, number]) =>
    fc.oneof(
      fc.constant({ text: "*", star: true }),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((list) => ({ text: list.join(","), star: false })),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 7 })).map(([start, step]) => ({ text: `${start}/${step}`, star: false })),
    );

  test("the next run is the first instant after `after` that robfig's rule matches", () => {
    fc.assert(
      fc.property(fc.tuple(...bounds.map(field)), fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2030-01-01T00:00:00Z"), noInvalidDate: true }), (parts, after) => {
        const text = parts.map((p) => p.text).join(" ");
        const values = parts.map((p, i) => {
          const [min, max] = bounds[i]!;
          const all: number[] = [];
          for (let v = min; v <= max; v++) all.push(v);
          if (p.star) return all;
          if (p.text.includes("/")) {
            const [start, step] = p.text.split("/").map(Number) as [number, number];
            return all.filter((v) => v >= start && (v - start) % step === 0);
          }
          return p.text.split(",").map(Number).sort((a, b) => a - b);
        });
        const expected = referenceNext(values, parts.map((p) => p.star), after);
        expect(parseSchedule(text).next(after)?.toISOString()).toBe(expected?.toISOString());
      }),
      { numRuns: 300 },
    );
  });
});
