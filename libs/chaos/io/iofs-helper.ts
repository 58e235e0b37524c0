// The daemon's only way to the FUSE server faultline-iofs (native/, see native/README.md): argv only
// (execFile, never a shell), JSON lines back, a hard SIGKILL timeout; the config file it reads (one
// action per line, TAB-separated name=value fields), written atomically; SIGHUP / SIGTERM to the server.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNativeHelper } from "../native-helper/run-native-helper.js";

/** The FUSE operation names an action's `methods` may list (Chaos Mesh's names). */
export const iofsMethods = [
  "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink", "rmdir", "symlink",
  "rename", "link", "open", "read", "write", "flush", "release", "fsync", "opendir", "readdir",
  "releasedir", "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr", "access",
  "create", "getlk", "setlk", "bmap",
] as const;
export type IofsMethod = (typeof iofsMethods)[number];
export const iofsFileKinds = ["namedPipe", "charDevice", "blockDevice", "directory", "regularFile", "symlink", "socket"] as const;
export type IofsFileKind = (typeof iofsFileKinds)[number];

/** attrOverride's fields, each optional: what getattr/lookup answer instead of the original's. */
export interface IofsAttr {
  ino?: number;
  size?: number;
  blocks?: number;
  atimeSec?: number;
  atimeNsec?: number;
  mtimeSec?: number;
  mtimeNsec?: number;
  ctimeSec?: number;
  ctimeNsec?: number;
  kind?: IofsFileKind;
  perm?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  rdev?: number;
}

interface IofsFilter {
  /** fnmatch(3) glob (no flags: `*` crosses `/`) against the absolute path in the container; "" or absent = every file. */
  path?: string;
  /** FUSE operation names; empty or absent = every operation. */
  methods?: readonly IofsMethod[];
  /** 0..100: a fair random draw per operation. */
  percent: number;
}
export type IofsAction = IofsFilter &
  (
    | { kind: "latency"; delayNs: number }
    | { kind: "fault"; errno: number }
    | { kind: "attrOverride"; attr: IofsAttr }
    | { kind: "mistake"; filling: "zero" | "random"; maxOccurrences: number; maxLength: number }
  );

export const maxIofsActions = 256;
export const maxPid = 4_194_304;
export const defaultIofsTimeoutMs = 5000;

export class IofsHelperError extends Error {
  override name = "IofsHelperError";
}

/**
 * Where the server binary is when none is named: `native/build/faultline-iofs` next to this module —
 * libs/chaos/io/native/build/ from source, libs/chaos/dist/io/native/build/ from the built package.
 */
export function defaultIofsBinary(): string {
  return fileURLToPath(new URL("./native/build/faultline-iofs", import.meta.url));
}

/** The server's --key for one (container, volume): sha256(containerId NUL volume)[0..16) in hex. */
export function iofsKey(containerId: string, volume: string): string {
  return createHash("sha256").update(`${containerId}\0${volume}`, "utf8").digest("hex").slice(0, 32);
}

const attrFields: ReadonlyArray<[keyof IofsAttr, string, number, number]> = [
  ["ino", "attr_ino", 0, Number.MAX_SAFE_INTEGER],
  ["size", "attr_size", 0, Number.MAX_SAFE_INTEGER],
  ["blocks", "attr_blocks", 0, Number.MAX_SAFE_INTEGER],
  ["atimeSec", "attr_atime_sec", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ["atimeNsec", "attr_atime_nsec", 0, 999_999_999],
  ["mtimeSec", "attr_mtime_sec", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ["mtimeNsec", "attr_mtime_nsec", 0, 999_999_999],
  ["ctimeSec", "attr_ctime_sec", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ["ctimeNsec", "attr_ctime_nsec", 0, 999_999_999],
  ["perm", "attr_perm", 0, 0o7777],
  ["nlink", "attr_nlink", 0, Number.MAX_SAFE_INTEGER],
  ["uid", "attr_uid", 0, 0xffff_ffff],
  ["gid", "attr_gid", 0, 0xffff_ffff],
  ["rdev", "attr_rdev", 0, Number.MAX_SAFE_INTEGER],
];

function integer(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new IofsHelperError(`${at}: want an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** One action as its config line (validated, the field named on a bad value). */
export function iofsActionLine(action: IofsAction, at = "action"): string {
  const fields: string[] = [`kind=${action.kind}`];
  const path = action.path ?? "";
  if (typeof path !== "string" || (path !== "" && !path.startsWith("/")) || /[\t\n\r\0]/.test(path)) {
    throw new IofsHelperError(`${at}.path: want an absolute glob (no tab, newline or NUL) or empty, got ${JSON.stringify(path)}`);
  }
  fields.push(`path=${path}`);
  const methods = action.methods ?? [];
  methods.forEach((m, i) => {
    if (!(iofsMethods as readonly string[]).includes(m)) {
      throw new IofsHelperError(`${at}.methods[${i}]: want one of ${iofsMethods.join(", ")}, got ${JSON.stringify(m)}`);
    }
  });
  fields.push(`methods=${methods.join(",")}`);
  fields.push(`percent=${integer(action.percent, `${at}.percent`, 0, 100)}`);
  switch (action.kind) {
    case "latency":
      fields.push(`delay_ns=${integer(action.delayNs, `${at}.delayNs`, 0, Number.MAX_SAFE_INTEGER)}`);
      break;
    case "fault":
      fields.push(`errno=${integer(action.errno, `${at}.errno`, 1, 4095)}`);
      break;
    case "attrOverride": {
      const attr = action.attr ?? {};
      for (const [key, name, min, max] of attrFields) {
        if (attr[key] !== undefined) fields.push(`${name}=${integer(attr[key], `${at}.attr.${key}`, min, max)}`);
      }
      if (attr.kind !== undefined) {
        if (!(iofsFileKinds as readonly string[]).includes(attr.kind)) {
          throw new IofsHelperError(`${at}.attr.kind: want one of ${iofsFileKinds.join(", ")}, got ${JSON.stringify(attr.kind)}`);
        }
        fields.push(`attr_kind=${attr.kind}`);
      }
      if (fields.length === 4) throw new IofsHelperError(`${at}.attr: at least one field`);
      break;
    }
    case "mistake":
      if (action.filling !== "zero" && action.filling !== "random") {
        throw new IofsHelperError(`${at}.filling: want zero or random, got ${JSON.stringify(action.filling)}`);
      }
      fields.push(`filling=${action.filling}`);
      fields.push(`max_occurrences=${integer(action.maxOccurrences, `${at}.maxOccurrences`, 1, Number.MAX_SAFE_INTEGER)}`);
      fields.push(`max_length=${integer(action.maxLength, `${at}.maxLength`, 1, Number.MAX_SAFE_INTEGER)}`);
      break;
    default:
      throw new IofsHelperError(`${at}.kind: want latency, fault, attrOverride or mistake, got ${JSON.stringify((action as { kind: unknown }).kind)}`);
  }
  return fields.join("\t");
}

/** The whole config file's text ([] = an empty file: pure passthrough). */
export function iofsConfigText(actions: readonly IofsAction[]): string {
  if (actions.length > maxIofsActions) throw new IofsHelperError(`actions: at most ${maxIofsActions}, got ${actions.length}`);
  return actions.map((a, i) => iofsActionLine(a, `actions[${i}]`) + "\n").join("");
}

/** Writes the config atomically (a temporary file in the same directory, renamed over it). */
export function writeIofsConfig(file: string, actions: readonly IofsAction[]): void {
  const text = iofsConfigText(actions);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

function checkPid(pid: number, at = "pid"): void {
  integer(pid, at, 1, maxPid);
}
function checkVolume(volume: string): void {
  if (typeof volume !== "string" || !volume.startsWith("/") || volume.includes("\0")) {
    throw new IofsHelperError(`volume: want an absolute path, got ${JSON.stringify(volume)}`);
  }
}

export interface IofsServeOptions {
  /** The container's leader pid (its mount namespace is entered). */
  pid: number;
  volume: string;
  /** The config file, in the daemon's mount namespace (re-read on SIGHUP). */
  configFile: string;
  /** 32 lowercase hex: the marker in the server's argv (see {@link iofsKey}). */
  key: string;
  /** Where the server and its watchdog log; none = nowhere. */
  log?: string;
  /**
   * The TARGET container's cgroup.procs files (one per cgroup v1 hierarchy, or the one v2 file): serve
   * writes its pid into each before forking the watchdog and the server, which so live and die with the
   * container, not with the daemon's container (`--join-cgroup`, repeated). A failed write refuses serve.
   */
  joinCgroups?: readonly string[];
}

export type IofsCommand =
  | { command: "check"; pid: number; volume: string }
  | { command: "unmount"; pid: number; volume: string }
  | ({ command: "serve" } & IofsServeOptions);

/** The binary's argv (after the binary) for a command; validates first. */
export function iofsArgv(command: IofsCommand): string[] {
  checkPid(command.pid);
  checkVolume(command.volume);
  const common = ["--pid", String(command.pid), "--volume", command.volume];
  if (command.command !== "serve") return [command.command, ...common];
  if (typeof command.configFile !== "string" || command.configFile === "") throw new IofsHelperError("configFile: required");
  if (typeof command.key !== "string" || !/^[0-9a-f]{32}$/.test(command.key)) {
    throw new IofsHelperError(`key: want 32 lowercase hex digits, got ${JSON.stringify(command.key)}`);
  }
  const log = command.log === undefined ? [] : ["--log", command.log];
  const cgroups = (command.joinCgroups ?? []).flatMap((file, i) => {
    if (typeof file !== "string" || !file.startsWith("/") || file.includes("\0")) {
      throw new IofsHelperError(`joinCgroups[${i}]: want the absolute path of a cgroup.procs file, got ${JSON.stringify(file)}`);
    }
    return ["--join-cgroup", file];
  });
  if (cgroups.length > 64) throw new IofsHelperError(`joinCgroups: at most 32, got ${cgroups.length / 2}`);
  return ["serve", ...common, "--config", command.configFile, "--key", command.key, ...log, ...cgroups];
}

/**
 * `path`: the volume with symlinks resolved in the container (e.g. /run/etcd for /var/run/etcd when
 * /var/run -> /run) — what serve mounts over, what the daemon must use everywhere after (fd-swap's
 * --volume, mountinfo lookups).
 */
export type IofsCheckResult = { ok: true; faulted: boolean; path: string } | { ok: false; reason: string };
export interface IofsServer {
  /** The FUSE server's pid (SIGHUP re-reads the config, SIGTERM recovers). */
  pid: number;
  /** Its watchdog's pid (unmounts if the server dies; same cmdline as the server, and its parent). */
  watchdog: number;
  /** The volume as mounted over: symlinks resolved in the container (see {@link IofsCheckResult}). */
  path: string;
}
export type IofsUnmountResult = { unmounted: true } | { unmounted: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
function parseLine(stdout: string, what: string): Record<string, unknown> {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) throw new IofsHelperError(`faultline-iofs ${what} printed ${lines.length} lines: ${JSON.stringify(stdout)}`);
  let value: unknown;
  try {
    value = JSON.parse(lines[0]!);
  } catch {
    throw new IofsHelperError(`faultline-iofs ${what} output is not JSON: ${JSON.stringify(lines[0])}`);
  }
  if (!isRecord(value)) throw new IofsHelperError(`faultline-iofs ${what} output is not an object: ${lines[0]}`);
  return value;
}
const reasonOf = (v: Record<string, unknown>) => (typeof v["reason"] === "string" ? v["reason"] : "unknown reason");

export function parseIofsCheckOutput(stdout: string): IofsCheckResult {
  const v = parseLine(stdout, "check");
  if (v["ok"] === true) {
    if (typeof v["path"] !== "string") throw new IofsHelperError(`faultline-iofs check output has no path: ${JSON.stringify(v)}`);
    return { ok: true, faulted: v["faulted"] === true, path: v["path"] };
  }
  if (v["ok"] === false) return { ok: false, reason: reasonOf(v) };
  throw new IofsHelperError(`faultline-iofs check output has no ok: ${JSON.stringify(v)}`);
}

/** serve's line: the server (ready) or its refusal, thrown with the reason (nothing was mounted). */
export function parseIofsServeOutput(stdout: string): IofsServer {
  const v = parseLine(stdout, "serve");
  if (v["ready"] === true && typeof v["pid"] === "number" && typeof v["watchdog"] === "number" && typeof v["path"] === "string") {
    return { pid: v["pid"], watchdog: v["watchdog"], path: v["path"] };
  }
  if (v["ready"] === false) throw new IofsHelperError(`faultline-iofs serve refused: ${reasonOf(v)}`);
  throw new IofsHelperError(`faultline-iofs serve output has no ready, pid, watchdog and path: ${JSON.stringify(v)}`);
}

export function parseIofsUnmountOutput(stdout: string): IofsUnmountResult {
  const v = parseLine(stdout, "unmount");
  if (v["ok"] !== true) throw new IofsHelperError(`faultline-iofs unmount failed: ${reasonOf(v)}`);
  return v["unmounted"] === true ? { unmounted: true } : { unmounted: false, reason: reasonOf(v) };
}

/** Whether a /proc/<pid>/cmdline (NUL-separated) is a faultline-iofs server with this key. */
export function isIofsServerCmdline(cmdline: string, key: string): boolean {
  const argv = cmdline.split("\0");
  if (!argv[0]?.endsWith("faultline-iofs") || argv[1] !== "serve") return false;
  const at = argv.indexOf("--key");
  return at > 1 && argv[at + 1] === key;
}

export interface IofsHelper {
  check(pid: number, volume: string, signal?: AbortSignal): Promise<IofsCheckResult>;
  /** Mounts and starts the server; resolves once it serves (its ready line). Throws with the reason when refused. */
  serve(options: IofsServeOptions, signal?: AbortSignal): Promise<IofsServer>;
  /** Lazily unmounts the volume iff the mount there is faultline-iofs's; idempotent. */
  unmount(pid: number, volume: string, signal?: AbortSignal): Promise<IofsUnmountResult>;
  /** SIGHUP: the server re-reads its config. */
  reload(serverPid: number): void;
  /** SIGTERM: the server stops injecting, unmounts lazily and exits once its last file is closed. */
  stop(serverPid: number): void;
  /** Whether `pid` is a server started with `key` (after a daemon restart). */
  isServer(pid: number, key: string): boolean;
}
export interface IofsHelperOptions {
  /** The binary; else $FAULTLINE_IOFS_BIN; else {@link defaultIofsBinary}. */
  binary?: string;
  /** SIGKILL after this long without an answer (ms). Default 5000. */
  timeoutMs?: number;
  /** Where /proc is (the daemon may see the host's elsewhere). Default /proc. */
  procRoot?: string;
}

function run(binary: string, argv: string[], timeoutMs: number, signal?: AbortSignal) {
  return runNativeHelper(binary, argv, { stopAfterMs: timeoutMs, signal, label: `${binary} ${argv[0]}`, error: IofsHelperError });
}

export function createIofsHelper(options: IofsHelperOptions = {}): IofsHelper {
  const binary = options.binary ?? process.env["FAULTLINE_IOFS_BIN"] ?? defaultIofsBinary();
  const timeoutMs = integer(options.timeoutMs ?? defaultIofsTimeoutMs, "timeoutMs", 1, 600_000);
  const procRoot = options.procRoot ?? "/proc";
  const call = async (argv: string[], signal?: AbortSignal) => {
    const result = await run(binary, argv, timeoutMs, signal);
    if (result.code !== 0 && result.code !== 1) throw new IofsHelperError(`${binary} ${argv[0]} exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  };
  const signalServer = (pid: number, sig: NodeJS.Signals) => {
    checkPid(pid, "serverPid");
    process.kill(pid, sig);
  };
  return {
    check: async (pid, volume, signal) => parseIofsCheckOutput(await call(iofsArgv({ command: "check", pid, volume }), signal)),
    serve: async (serve, signal) => parseIofsServeOutput(await call(iofsArgv({ command: "serve", ...serve }), signal)),
    unmount: async (pid, volume, signal) => parseIofsUnmountOutput(await call(iofsArgv({ command: "unmount", pid, volume }), signal)),
    reload: (pid) => signalServer(pid, "SIGHUP"),
    stop: (pid) => signalServer(pid, "SIGTERM"),
    isServer(pid, key) {
      checkPid(pid);
      try {
        return isIofsServerCmdline(readFileSync(join(procRoot, String(pid), "cmdline"), "latin1"), key);
      } catch {
        return false;
      }
    },
  };
}
