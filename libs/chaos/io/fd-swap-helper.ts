// The daemon's only way to the native helper faultline-fd-swap (native/, see native/README.md):
// argv only (execFile, never a shell), one JSON line per pid back, a hard SIGKILL timeout above the
// helper's own deadline. It re-opens each process's descriptors and working directory under a volume
// path into whatever mount is at that path now (onto the FUSE mount after mounting it, back to the
// original after its lazy unmount). Node cannot ptrace; the helper does it, this validates and parses.
import { fileURLToPath } from "node:url";
import { runNativeHelper } from "../native-helper/run-native-helper.js";

export interface FdSwapSkip {
  /** The descriptor; -1 for the working directory. */
  fd: number;
  reason: string;
}
export interface FdSwapResult {
  pid: number;
  state: "ok" | "gone" | "error";
  /** Descriptors re-opened onto the mount now at the path. */
  swapped: number;
  /** Whether the working directory was switched (chdir). */
  cwd: boolean;
  /** File mappings under the path (counted, never switched). */
  mappings: number;
  /** Descriptors under the path left as they were, and why (deleted, a fifo, openat failed...). */
  skipped: FdSwapSkip[];
  /** For state "error". */
  error?: string;
}
export interface FdSwapOptions {
  /**
   * The mount id (mountinfo's first field) the descriptors leave, e.g. the FUSE mount being
   * recovered. Needed once that mount is lazily unmounted: a detached mount's paths are relative to
   * its own root (`/f`, not `/data/f`), so without it nothing on it is recognised as under `volume`.
   */
  fromMount?: number;
  /** Test hook (--stop-after-fd): the helper pauses, threads seized and registers restored, after this many descriptors. */
  stopAfterFd?: number;
}
export interface FdSwapHelper {
  /** Switches every process's descriptors and cwd under `volume` onto the mount now at `volume`. */
  swap(volume: string, pids: readonly number[], signal?: AbortSignal, options?: FdSwapOptions): Promise<FdSwapResult[]>;
}
export interface FdSwapHelperOptions {
  /** The helper binary; else $FAULTLINE_FD_SWAP_BIN; else {@link defaultFdSwapBinary}. */
  binary?: string;
  /**
   * The helper's own deadline (--timeout-ms). The wrapper SIGTERMs it 2 s after (it stops at a safe
   * point: the remote call under way finished, registers restored, detached) and SIGKILLs it only
   * {@link fdSwapHardKillGraceMs} after that. Default 5000.
   */
  timeoutMs?: number;
}

export const maxPid = 4_194_304;
export const maxFdSwapVolumeLength = 4000;
export const defaultFdSwapTimeoutMs = 5000;
/** How long past the helper's own deadline the wrapper waits before SIGTERMing it. */
export const fdSwapKillGraceMs = 2000;
/**
 * How long after a SIGTERM (the grace above passed, or the caller aborted) the wrapper waits before
 * SIGKILL. A SIGKILL in the middle of a remote call can leave a thread at a vDSO address or with the
 * single-step trap flag set; SIGTERM never does, but a remote call on a hung filesystem cannot be cut
 * short, so SIGKILL stays the last resort.
 */
export const fdSwapHardKillGraceMs = 10_000;

export class FdSwapHelperError extends Error {
  override name = "FdSwapHelperError";
}

/**
 * Where the helper is when no binary is named: `native/build/faultline-fd-swap` next to this module
 * — libs/chaos/io/native/build/ from source (the Makefile's output), libs/chaos/dist/io/native/build/
 * from the built package (the Makefile copies it there; the daemon image ships dist/).
 */
export function defaultFdSwapBinary(): string {
  return fileURLToPath(new URL("./native/build/faultline-fd-swap", import.meta.url));
}

/** The helper's own check of --volume, with the field named: the helper is never run on bad input. */
export function checkFdSwapVolume(volume: string): void {
  const bad = (why: string) => new FdSwapHelperError(`volume: ${why}, got ${JSON.stringify(volume)}`);
  if (typeof volume !== "string" || !volume.startsWith("/")) throw bad("want an absolute path");
  if (volume === "/") throw bad("must not be /");
  if (Buffer.byteLength(volume) > maxFdSwapVolumeLength) throw bad(`longer than ${maxFdSwapVolumeLength} bytes`);
  if (volume.endsWith("/")) throw bad("no trailing /");
  if (/[\u0000-\u001f\u007f]/.test(volume)) throw bad("control character in the path");
  if (volume.slice(1).split("/").some((c) => c === "" || c === "." || c === "..")) throw bad("want a normalised path (no empty, . or .. component)");
}

export function checkFdSwapPids(pids: readonly number[]): void {
  if (pids.length === 0) throw new FdSwapHelperError("pids: at least one pid");
  pids.forEach((pid, i) => {
    if (!Number.isInteger(pid) || pid < 1 || pid > maxPid) {
      throw new FdSwapHelperError(`pids[${i}]: want an integer in 1..${maxPid}, got ${pid}`);
    }
  });
}

export interface FdSwapCommand {
  volume: string;
  pids: readonly number[];
  timeoutMs?: number;
  fromMount?: number;
  /** Test hook: the helper pauses (threads seized, registers restored) after this many descriptors. */
  stopAfterFd?: number;
}

/** The helper's argv (after the binary); validates first. */
export function fdSwapArgv(command: FdSwapCommand): string[] {
  const timeoutMs = command.timeoutMs ?? defaultFdSwapTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new FdSwapHelperError(`timeoutMs: want an integer in 1..600000, got ${timeoutMs}`);
  }
  checkFdSwapVolume(command.volume);
  checkFdSwapPids(command.pids);
  const stop = command.stopAfterFd;
  if (stop !== undefined && (!Number.isInteger(stop) || stop < 0 || stop > 65536)) {
    throw new FdSwapHelperError(`stopAfterFd: want an integer in 0..65536, got ${stop}`);
  }
  const from = command.fromMount;
  if (from !== undefined && (!Number.isInteger(from) || from < 1 || from > 2 ** 31 - 1)) {
    throw new FdSwapHelperError(`fromMount: want a mount id (an integer in 1..2147483647), got ${from}`);
  }
  return [
    "--volume",
    command.volume,
    ...(from === undefined ? [] : ["--from-mount", String(from)]),
    "--timeout-ms",
    String(timeoutMs),
    ...(stop === undefined ? [] : ["--stop-after-fd", String(stop)]),
    ...command.pids.map(String),
  ];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** One line of output. */
export function parseFdSwapLine(line: string): FdSwapResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new FdSwapHelperError(`helper output is not JSON: ${JSON.stringify(line)}`);
  }
  if (!isRecord(value) || typeof value["pid"] !== "number") throw new FdSwapHelperError(`helper output has no pid: ${line}`);
  const { pid, state, swapped, cwd, mappings, skipped, error } = value;
  if (state !== "ok" && state !== "gone" && state !== "error") {
    throw new FdSwapHelperError(`helper output for pid ${pid} has an unknown state ${JSON.stringify(state)}`);
  }
  if (typeof swapped !== "number" || typeof cwd !== "boolean" || typeof mappings !== "number" || !Array.isArray(skipped)) {
    throw new FdSwapHelperError(`helper output for pid ${pid} wants swapped, cwd, mappings, skipped: ${line}`);
  }
  const result: FdSwapResult = {
    pid: pid as number,
    state,
    swapped,
    cwd,
    mappings,
    skipped: skipped.map((s, i) => {
      if (!isRecord(s) || typeof s["fd"] !== "number" || typeof s["reason"] !== "string") {
        throw new FdSwapHelperError(`helper output for pid ${pid}: skipped[${i}] wants {fd, reason}: ${line}`);
      }
      return { fd: s["fd"], reason: s["reason"] };
    }),
  };
  if (state === "error") result.error = typeof error === "string" ? error : "unknown error";
  return result;
}

/** The output's lines, one per pid in argv order (anything else is the helper's fault, said so). */
export function parseFdSwapOutput(stdout: string, pids: readonly number[]): FdSwapResult[] {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== pids.length) {
    throw new FdSwapHelperError(`helper printed ${lines.length} lines for ${pids.length} pids: ${JSON.stringify(stdout)}`);
  }
  return lines.map((line, i) => {
    const result = parseFdSwapLine(line);
    if (result.pid !== pids[i]) throw new FdSwapHelperError(`helper line ${i} is for pid ${result.pid}, not ${pids[i]}`);
    return result;
  });
}

// SIGTERM at the timeout or on abort (the helper stops at a safe point and still prints its lines),
// SIGKILL only fdSwapHardKillGraceMs later.
function run(binary: string, argv: string[], killAfterMs: number, signal?: AbortSignal) {
  return runNativeHelper(binary, argv, { stopAfterMs: killAfterMs, signal, termGraceMs: fdSwapHardKillGraceMs, label: binary, error: FdSwapHelperError });
}

export function createFdSwapHelper(options: FdSwapHelperOptions = {}): FdSwapHelper {
  const binary = options.binary ?? process.env["FAULTLINE_FD_SWAP_BIN"] ?? defaultFdSwapBinary();
  const timeoutMs = options.timeoutMs ?? defaultFdSwapTimeoutMs;
  const killAfterMs = timeoutMs + fdSwapKillGraceMs;
  return {
    // async: a validation error is a rejection like any other failure
    async swap(volume, pids, signal, swapOptions = {}) {
      const argv = fdSwapArgv({ volume, pids, timeoutMs, ...swapOptions });
      const { code, stdout, stderr } = await run(binary, argv, killAfterMs, signal);
      if (code !== 0 && code !== 1) throw new FdSwapHelperError(`${binary} exited ${code}: ${stderr.trim()}`);
      return parseFdSwapOutput(stdout, pids);
    },
  };
}
