// The daemon's only way to the native helper faultline-time-skew (native/, see native/README.md):
// argv only (execFile, never a shell), one JSON line per pid back, a hard SIGKILL timeout above the
// helper's own deadline. Node cannot ptrace; the helper does the patching, this validates and parses.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runNativeHelper } from "../native-helper/run-native-helper.js";

export interface TimeSkewEntry {
  key: string;
  mask: number;
  sec: number;
  nsec: number;
}
export type ProcessSkewState =
  | { pid: number; state: "clean" | "gone" }
  | { pid: number; state: "skewed" | "partial"; entries: TimeSkewEntry[] }
  | { pid: number; state: "error"; error: string };
export type ProbeResult = { ok: true } | { ok: false; reason: string };
export interface TimeSkewHelper {
  status(pids: readonly number[], signal?: AbortSignal): Promise<ProcessSkewState[]>;
  /** Makes each process's entries exactly `entries` ([] restores it). */
  set(pids: readonly number[], entries: readonly TimeSkewEntry[], signal?: AbortSignal): Promise<ProcessSkewState[]>;
  probe(pid: number, signal?: AbortSignal): Promise<ProbeResult>;
}
export interface TimeSkewHelperOptions {
  /** The helper binary; else $FAULTLINE_TIME_SKEW_BIN; else {@link defaultTimeSkewBinary}. */
  binary?: string;
  /** The helper's own deadline per process (--timeout-ms); the wrapper SIGKILLs it 2 s after that many deadlines (one per pid). Default 5000. */
  timeoutMs?: number;
}

export const maxTimeSkewEntries = 8;
/** The helper's image: the last this many bytes of a process's `[vdso]` mapping, starting with the magic `FLTSKEW1` (native/README.md). */
export const timeSkewImageSize = 1024;
export const maxTimeSkewSeconds = 10_000_000_000;
export const maxPid = 4_194_304;
export const defaultTimeSkewTimeoutMs = 5000;
/** How long past the helper's own deadline the wrapper waits before killing it. */
export const timeSkewKillGraceMs = 2000;

export class TimeSkewHelperError extends Error {
  override name = "TimeSkewHelperError";
}

/**
 * Where the helper is when no binary is named: `native/build/faultline-time-skew` next to this
 * module. From source that is libs/chaos/time/native/build/ (the Makefile's output); from the built
 * package it is libs/chaos/dist/time/native/build/ (the Makefile copies it there, and the daemon
 * image ships dist/). One rule for both.
 */
export function defaultTimeSkewBinary(): string {
  return fileURLToPath(new URL("./native/build/faultline-time-skew", import.meta.url));
}

/** The 16-byte key (32 hex) of a TimeRequest uid: sha256(uid)[0..16). */
export function timeSkewKey(uid: string): string {
  return createHash("sha256").update(uid, "utf8").digest("hex").slice(0, 32);
}

/** The same checks as the helper's, with the field named: the helper is never run on bad input. */
export function checkTimeSkewEntries(entries: readonly TimeSkewEntry[]): void {
  if (entries.length > maxTimeSkewEntries) {
    throw new TimeSkewHelperError(`entries: at most ${maxTimeSkewEntries} per process, got ${entries.length}`);
  }
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const at = `entries[${i}]`;
    if (typeof entry.key !== "string" || !/^[0-9a-f]{32}$/.test(entry.key)) {
      throw new TimeSkewHelperError(`${at}.key: want 32 lowercase hex digits, got ${JSON.stringify(entry.key)}`);
    }
    if (seen.has(entry.key)) throw new TimeSkewHelperError(`${at}.key: ${entry.key} given twice`);
    seen.add(entry.key);
    if (!Number.isInteger(entry.mask) || entry.mask < 1 || entry.mask > 0xffff) {
      throw new TimeSkewHelperError(`${at}.mask: want a non-zero integer with only bits 0..15 (clock ids 0..15), got ${entry.mask}`);
    }
    if (!Number.isInteger(entry.sec) || Math.abs(entry.sec) > maxTimeSkewSeconds) {
      throw new TimeSkewHelperError(`${at}.sec: want an integer with |sec| <= ${maxTimeSkewSeconds}, got ${entry.sec}`);
    }
    if (!Number.isInteger(entry.nsec) || Math.abs(entry.nsec) >= 1e9) {
      throw new TimeSkewHelperError(`${at}.nsec: want an integer with |nsec| < 1000000000, got ${entry.nsec}`);
    }
  });
}

export function checkPids(pids: readonly number[]): void {
  if (pids.length === 0) throw new TimeSkewHelperError("pids: at least one pid");
  pids.forEach((pid, i) => {
    if (!Number.isInteger(pid) || pid < 1 || pid > maxPid) {
      throw new TimeSkewHelperError(`pids[${i}]: want an integer in 1..${maxPid}, got ${pid}`);
    }
  });
}

export type TimeSkewCommand =
  | { command: "status"; pids: readonly number[] }
  | { command: "set"; pids: readonly number[]; entries: readonly TimeSkewEntry[]; stopAfterStep?: number }
  | { command: "probe"; pid: number };

/** The helper's argv (after the binary) for a command; validates first. */
export function timeSkewArgv(command: TimeSkewCommand, timeoutMs = defaultTimeSkewTimeoutMs): string[] {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new TimeSkewHelperError(`timeoutMs: want an integer in 1..600000, got ${timeoutMs}`);
  }
  const timeout = ["--timeout-ms", String(timeoutMs)];
  switch (command.command) {
    case "status":
      checkPids(command.pids);
      return ["status", ...timeout, ...command.pids.map(String)];
    case "probe":
      checkPids([command.pid]);
      return ["probe", ...timeout, String(command.pid)];
    case "set": {
      checkPids(command.pids);
      checkTimeSkewEntries(command.entries);
      const entries = command.entries.flatMap((e) => ["--entry", `${e.key}:${e.mask}:${e.sec}:${e.nsec}`]);
      const stop = command.stopAfterStep === undefined ? [] : ["--stop-after-step", String(command.stopAfterStep)];
      return ["set", ...timeout, ...stop, ...entries, ...command.pids.map(String)];
    }
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseEntry(value: unknown, where: string): TimeSkewEntry {
  if (!isRecord(value)) throw new TimeSkewHelperError(`${where}: not an object`);
  const { key, mask, sec, nsec } = value;
  if (typeof key !== "string" || typeof mask !== "number" || typeof sec !== "number" || typeof nsec !== "number") {
    throw new TimeSkewHelperError(`${where}: want {key, mask, sec, nsec}, got ${JSON.stringify(value)}`);
  }
  return { key, mask, sec, nsec };
}

/** One line of status/set output. */
export function parseTimeSkewStateLine(line: string): ProcessSkewState {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TimeSkewHelperError(`helper output is not JSON: ${JSON.stringify(line)}`);
  }
  if (!isRecord(value) || typeof value["pid"] !== "number") throw new TimeSkewHelperError(`helper output has no pid: ${line}`);
  const pid = value["pid"];
  const state = value["state"];
  switch (state) {
    case "clean":
    case "gone":
      return { pid, state };
    case "skewed":
    case "partial": {
      const entries = value["entries"];
      if (!Array.isArray(entries)) throw new TimeSkewHelperError(`helper output for pid ${pid} (${state}) has no entries: ${line}`);
      return { pid, state, entries: entries.map((e, i) => parseEntry(e, `pid ${pid} entries[${i}]`)) };
    }
    case "error": {
      const error = value["error"];
      return { pid, state, error: typeof error === "string" ? error : "unknown error" };
    }
    default:
      throw new TimeSkewHelperError(`helper output for pid ${pid} has an unknown state ${JSON.stringify(state)}`);
  }
}

/** The line of probe output. */
export function parseTimeSkewProbeLine(line: string): ProbeResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TimeSkewHelperError(`helper output is not JSON: ${JSON.stringify(line)}`);
  }
  if (!isRecord(value) || typeof value["ok"] !== "boolean") throw new TimeSkewHelperError(`probe output has no ok: ${line}`);
  if (value["ok"]) return { ok: true };
  return { ok: false, reason: typeof value["reason"] === "string" ? value["reason"] : "unknown reason" };
}

/** The output's lines, one per pid in argv order (anything else is the helper's fault, said so). */
export function parseTimeSkewOutput(stdout: string, pids: readonly number[]): ProcessSkewState[] {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== pids.length) {
    throw new TimeSkewHelperError(`helper printed ${lines.length} lines for ${pids.length} pids: ${JSON.stringify(stdout)}`);
  }
  return lines.map((line, i) => {
    const state = parseTimeSkewStateLine(line);
    if (state.pid !== pids[i]) throw new TimeSkewHelperError(`helper line ${i} is for pid ${state.pid}, not ${pids[i]}`);
    return state;
  });
}

function run(binary: string, argv: string[], killAfterMs: number, signal?: AbortSignal) {
  return runNativeHelper(binary, argv, { stopAfterMs: killAfterMs, signal, label: `${binary} ${argv[0]}`, error: TimeSkewHelperError });
}

export function createTimeSkewHelper(options: TimeSkewHelperOptions = {}): TimeSkewHelper {
  const binary = options.binary ?? process.env["FAULTLINE_TIME_SKEW_BIN"] ?? defaultTimeSkewBinary();
  const timeoutMs = options.timeoutMs ?? defaultTimeSkewTimeoutMs;
  // the helper's deadline is per process: a run on n pids may take n deadlines
  const killAfterMs = (pids = 1) => timeoutMs * Math.max(1, pids) + timeSkewKillGraceMs;

  const states = async (argv: string[], pids: readonly number[], signal?: AbortSignal) => {
    const { code, stdout, stderr } = await run(binary, argv, killAfterMs(pids.length), signal);
    if (code !== 0 && code !== 1) throw new TimeSkewHelperError(`${binary} ${argv[0]} exited ${code}: ${stderr.trim()}`);
    return parseTimeSkewOutput(stdout, pids);
  };

  return {
    // async: a validation error is a rejection like any other failure
    status: async (pids, signal) => states(timeSkewArgv({ command: "status", pids }, timeoutMs), pids, signal),
    set: async (pids, entries, signal) => states(timeSkewArgv({ command: "set", pids, entries }, timeoutMs), pids, signal),
    async probe(pid, signal) {
      const argv = timeSkewArgv({ command: "probe", pid }, timeoutMs);
      const { code, stdout, stderr } = await run(binary, argv, killAfterMs(), signal);
      if (code !== 0 && code !== 1) throw new TimeSkewHelperError(`${binary} probe exited ${code}: ${stderr.trim()}`);
      return parseTimeSkewProbeLine(stdout.trim());
    },
  };
}
