import { Cron } from "croner";
import { InvalidDurationError, parseGoDuration } from "@faultline/api";

/**
 * A parsed `spec.schedule`: when the next run after a given instant is. Runs fall on whole
 * seconds and are strictly after `after`, as robfig/cron's `Schedule.Next` (Chaos Mesh's cron
 * library) computes them.
 */
export interface CronSchedule {
  /** The text it was parsed from. */
  readonly text: string;
  /** The IANA zone its fields are read in ("UTC" unless a `CRON_TZ=`/`TZ=` prefix says otherwise). */
  readonly timeZone: string;
  /** The first run strictly after `after`, or `undefined` when there is none (e.g. "0 0 30 2 *", February 30th). */
  next(after: Date): Date | undefined;
}

/** The shortest delay `@every` takes, in milliseconds; admission refuses a shorter one too. */
export const minEveryMs = 1000;

/** Thrown by {@link parseSchedule}; its message starts "parse schedule field error:", as Chaos Mesh's webhook says it. */
export class ScheduleParseError extends Error {
  override name = "ScheduleParseError";
  constructor(readonly schedule: string, readonly reason: string) {
    super(`parse schedule field error: ${reason}`);
  }
}

interface FieldBounds {
  name: string;
  min: number;
  max: number;
  names?: { readonly [name: string]: number };
}

const monthNames = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const dayNames = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
// robfig/cron's bounds, in field order (seconds first)
const fields: readonly FieldBounds[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames },
  { name: "day of week", min: 0, max: 6, names: dayNames },
];

// robfig's descriptors, as six-field specs (seconds first); @weekly is Sundays.
const descriptors: { readonly [descriptor: string]: string } = {
  "@yearly": "0 0 0 1 1 *",
  "@annually": "0 0 0 1 1 *",
  "@monthly": "0 0 0 1 * *",
  "@weekly": "0 0 0 * * 0",
  "@daily": "0 0 0 * * *",
  "@midnight": "0 0 0 * * *",
  "@hourly": "0 0 * * * *",
};

/** One field's values, and whether it was a bare `*`/`?` (robfig's star bit, which decides day-of-month/day-of-week AND vs OR). */
interface ParsedField {
  values: number[];
  star: boolean;
}

function parseNumber(text: string, field: FieldBounds, names: boolean, expr: string): number {
  if (names && field.names) {
    const named = field.names[text.toLowerCase()];
    if (named !== undefined) return named;
  }
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Error(`failed to parse int from ${text}: invalid syntax`);
  const value = Number(text);
  if (value < 0) throw new Error(`negative number (${value}) not allowed: ${expr}`);
  return value;
}

// robfig/cron's getRange: "*", "?", "N", "N-M", each with an optional "/step"; "N/step" means N-max/step.
function parseRange(expr: string, field: FieldBounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    if (lowAndHigh.length > 1) throw new Error(`too many hyphens: ${expr}`);
    start = field.min;
    end = field.max;
    star = true;
  } else {
    start = parseNumber(lowAndHigh[0]!, field, true, expr);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseNumber(lowAndHigh[1]!, field, true, expr);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]!, field, false, expr);
    if (lowAndHigh.length === 1) end = field.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < field.min) throw new Error(`beginning of range (${start}) below minimum (${field.min}): ${expr}`);
  if (end > field.max) throw new Error(`end of range (${end}) above maximum (${field.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let value = start; value <= end; value += step) into.add(value);
  return star;
}

function parseField(text: string, field: FieldBounds): ParsedField {
  const values = new Set<number>();
  let star = false;
  for (const expr of text.split(",")) star = parseRange(expr, field, values) || star;
  return { values: [...values].sort((a, b) => a - b), star };
}

// croner reads the fields we give it as plain value lists, so robfig's grammar (names, "N/step",
// "?") and its star rule are applied here; only a bare star stays "*", which is what makes croner
// AND day-of-month with day-of-week (robfig does the same), and OR them otherwise.
function cronerPattern(parsed: readonly ParsedField[]): string {
  return parsed.map((f) => (f.star ? "*" : f.values.join(","))).join(" ");
}

function checkTimeZone(zone: string): string {
  // Go's time.LoadLocation: "" and "UTC" are UTC; "Local" is the manager's zone, UTC in its container
  if (zone === "" || zone === "UTC" || zone === "Local") return "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`);
  }
}

class FieldSchedule implements CronSchedule {
  private readonly cron: Cron;
  constructor(readonly text: string, readonly timeZone: string, pattern: string) {
    // legacy OR of day-of-month and day-of-week (domAndDow false) is croner's default, as robfig's
    this.cron = new Cron(pattern, { timezone: timeZone, mode: "6-part", domAndDow: false, paused: true });
  }
  next(after: Date): Date | undefined {
    return this.cron.nextRun(after) ?? undefined;
  }
}

class ConstantDelaySchedule implements CronSchedule {
  readonly timeZone = "UTC";
  constructor(readonly text: string, private readonly delayMs: number) {}
  next(after: Date): Date | undefined {
    // robfig's ConstantDelaySchedule: t + delay, less t's fraction of a second
    return new Date(after.getTime() + this.delayMs - (((after.getTime() % 1000) + 1000) % 1000));
  }
}

/**
 * Parses a Schedule's `spec.schedule` as Chaos Mesh does (robfig/cron v3 with optional seconds
 * and descriptors): five fields (minute hour day-of-month month day-of-week) or six (seconds
 * first); `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`;
 * `@every <Go duration>` (at least one second, rounded down to whole seconds; robfig raises a
 * shorter delay to one second, Faultline refuses it); each optionally
 * after `CRON_TZ=<IANA zone> ` or `TZ=<zone> ` (default UTC). When both day-of-month and
 * day-of-week are restricted a day matching either runs (Vixie cron's OR).
 *
 * Where Faultline differs from robfig: at daylight-saving changes a fixed-time job (single
 * second, minute and hour) in the skipped hour runs right after the gap instead of not at all,
 * and once, not twice, in the repeated hour (croner's rule); interval jobs behave as in robfig.
 *
 * @example
 * parseSchedule("CRON_TZ=Europe/Berlin 0 30 6 * * mon-fri").next(new Date("2026-03-02T00:00:00Z"));
 * // 2026-03-02T05:30:00.000Z
 * parseSchedule("@every 1m30s").next(new Date("2026-03-02T00:00:00.400Z")); // 2026-03-02T00:01:30.000Z
 * @throws {ScheduleParseError} for a schedule robfig/cron would refuse
 */
export function parseSchedule(text: string): CronSchedule {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof ScheduleParseError) throw error;
    throw new ScheduleParseError(text, (error as Error).message);
  }
}

function parse(text: string): CronSchedule {
  let spec = text;
  if (spec.length === 0) throw new Error("empty spec string");
  let timeZone = "UTC";
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.search(/\s/);
    if (space < 0) throw new Error(`a time zone prefix needs a schedule after it: ${spec}`);
    timeZone = checkTimeZone(spec.slice(spec.indexOf("=") + 1, space));
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith("@")) {
    if (spec.startsWith("@every ")) {
      const duration = spec.slice("@every ".length);
      let ms: number;
      try {
        ms = parseGoDuration(duration);
      } catch (error) {
        if (error instanceof InvalidDurationError) throw new Error(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(duration)}`);
        throw error;
      }
      // robfig raises a shorter delay to one second: a run every second that nobody asked for.
      // Faultline refuses it, as admission does (scheduleCrd's rule).
      if (ms < minEveryMs) throw new Error(`@every needs a delay of at least 1s, not ${duration}: ${spec}`);
      // whole seconds, rounded down (1 ns of slack for the float sum)
      const seconds = Math.floor((ms + 1e-6) / 1000);
      return new ConstantDelaySchedule(text, seconds * 1000);
    }
    const expanded = descriptors[spec];
    if (expanded === undefined) throw new Error(`unrecognized descriptor: ${spec}`);
    spec = expanded;
  }
  let parts = spec.split(/\s+/).filter((part) => part !== "");
  if (parts.length === 5) parts = ["0", ...parts];
  else if (parts.length !== 6) throw new Error(`expected 5 to 6 fields, found ${parts.length}: [${parts.join(" ")}]`);
  const parsed = parts.map((part, i) => parseField(part, fields[i]!));
  return new FieldSchedule(text, timeZone, cronerPattern(parsed));
}
