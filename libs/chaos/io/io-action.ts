// IOChaos's actions as the daemon takes them (Chaos Mesh's PodIOChaos action JSON), their strict
// validation, and the FUSE server's config file rendered from them. Pure logic: nothing is run here.
import { invalid } from "../pod-netns-process/pod-request-validation.js";
import { InvalidTimeOffsetError, timeOffsetNanos } from "../time/time-offset.js";
import { iofsActionLine, iofsConfigText, type IofsAction, type IofsAttr, type IofsMethod } from "./iofs-helper.js";

/** IOChaos's actions (spec.action), as Chaos Mesh names them. */
export const ioChaosActionTypes = ["latency", "fault", "attrOverride", "mistake"] as const;
export type IOChaosActionType = (typeof ioChaosActionTypes)[number];

/** The operations an action can be limited to (spec.methods): Chaos Mesh's names, FUSE's operations. */
export const ioChaosMethods = [
  "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink", "rmdir", "symlink", "rename", "link", "open", "read", "write", "flush",
  "release", "fsync", "opendir", "readdir", "releasedir", "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr", "access", "create", "getlk",
  "setlk", "bmap",
] as const;

/** The file types attr.kind names (Chaos Mesh's FileType). */
export const ioChaosFileKinds = ["namedPipe", "charDevice", "blockDevice", "directory", "regularFile", "symlink", "socket"] as const;

/** mistake.filling. */
export const ioChaosFillings = ["zero", "random"] as const;

export interface IOTimespec {
  sec: number;
  nsec: number;
}

/** Chaos Mesh's AttrOverrideSpec: each field replaces what stat reports, when set. */
export interface IOAttrOverride {
  ino?: number;
  size?: number;
  blocks?: number;
  atime?: IOTimespec;
  mtime?: IOTimespec;
  ctime?: IOTimespec;
  kind?: (typeof ioChaosFileKinds)[number];
  perm?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  rdev?: number;
}

export interface IOMistake {
  filling: (typeof ioChaosFillings)[number];
  maxOccurrences: number;
  maxLength: number;
}

/**
 * One action in Chaos Mesh's PodIOChaos shape (the elements of ApplyIOChaos's `actions` JSON, and
 * ExecIOChaos's `action`): the filter (path, methods, percent), the fault (`faults` weighted errnos,
 * `latency` a Go duration, the attr fields inline, `mistake`) and `source`.
 */
export interface IOChaosAction extends IOAttrOverride {
  type: IOChaosActionType;
  path?: string;
  methods?: string[];
  percent?: number;
  faults?: { errno: number; weight: number }[];
  latency?: string;
  mistake?: IOMistake;
  source?: string;
}

/** The attr fields, in the config file's order. */
export const ioAttrFields = ["ino", "size", "blocks", "atime", "mtime", "ctime", "kind", "perm", "nlink", "uid", "gid", "rdev"] as const;

/** The most actions one volume carries at once (every record's and ApplyIOChaos's). */
export const maxIOActionsPerVolume = 64;
/** The longest path glob. */
export const maxIOPathLength = 4096;
/** The largest errno (Linux's are below 4096; FUSE answers -errno). */
export const maxIOErrno = 4095;
/** The longest latency: one hour (a FUSE request waits in the kernel for it). */
export const maxIOLatencyNanos = 3_600_000_000_000n;

const u64Max = Number.MAX_SAFE_INTEGER;
const u32Max = 0xffff_ffff;
const isObject = (v: unknown): v is { [k: string]: unknown } => typeof v === "object" && v !== null && !Array.isArray(v);

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${JSON.stringify(value)} is not an integer in ${min}..${max}`);
  }
  return value;
}

function checkTimespec(value: unknown, field: string): IOTimespec {
  if (!isObject(value)) throw invalid(field, "must be an object {sec, nsec}");
  for (const k of Object.keys(value)) if (k !== "sec" && k !== "nsec") throw invalid(`${field}.${k}`, "unknown field");
  return { sec: checkInteger(value["sec"] ?? 0, `${field}.sec`, -u64Max, u64Max), nsec: checkInteger(value["nsec"] ?? 0, `${field}.nsec`, 0, 999_999_999) };
}

/** A volume path: absolute, not `/`, no `.`/`..` component, no NUL/TAB/newline, at most 4096. */
export function checkVolumePath(volumePath: string, field = "volumePath"): void {
  if (volumePath === "") throw invalid(field, "a volume path is required (the volume's mount path in the container)");
  if (!volumePath.startsWith("/")) throw invalid(field, `${JSON.stringify(volumePath.slice(0, 300))} is not an absolute path`);
  if (volumePath.length > maxIOPathLength) throw invalid(field, `is ${volumePath.length} characters long: at most ${maxIOPathLength}`);
  if (/[\0\t\n\r]/.test(volumePath)) throw invalid(field, "holds a NUL, TAB or newline");
  const parts = volumePath.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw invalid(field, `"${volumePath}" is the container's root: IOChaos needs a volume mounted below it`);
  if (parts.some((p) => p === "." || p === "..")) throw invalid(field, `${JSON.stringify(volumePath)} has a . or .. component: give the mount path itself`);
}

/** The canonical form of a volume path (no repeated or trailing slash). */
export function normalVolumePath(volumePath: string): string {
  return "/" + volumePath.split("/").filter((p) => p !== "").join("/");
}

/**
 * Checks one action strictly (InvalidArgument naming the field, `<field>.<name>`) and returns it
 * normalised: unknown fields refused, the type's own field required (latency a positive Go
 * duration of at most 1 h, faults non-empty with errnos 1..4095 and weights ≥ 0 not all 0, at least
 * one attr field, mistake with its three fields), percent 0..100 (absent: 100, the CRD's default),
 * methods from {@link ioChaosMethods}, path empty or absolute with no TAB/newline.
 */
export function checkIOAction(value: unknown, field = "action"): IOChaosAction {
  if (!isObject(value)) throw invalid(field, "must be a JSON object (Chaos Mesh's PodIOChaos action)");
  const known = new Set<string>(["type", "path", "methods", "percent", "faults", "latency", "mistake", "source", ...ioAttrFields]);
  for (const k of Object.keys(value)) if (!known.has(k)) throw invalid(`${field}.${k}`, "unknown field");
  const type = value["type"];
  if (typeof type !== "string" || !(ioChaosActionTypes as readonly string[]).includes(type)) {
    throw invalid(`${field}.type`, `${JSON.stringify(type)} is not one of ${ioChaosActionTypes.join(", ")}`);
  }
  const action: IOChaosAction = { type: type as IOChaosActionType };

  const path = value["path"] ?? "";
  if (typeof path !== "string") throw invalid(`${field}.path`, "must be a string");
  if (path !== "") {
    if (!path.startsWith("/")) throw invalid(`${field}.path`, `${JSON.stringify(path.slice(0, 300))} is not absolute: a glob of absolute paths in the container, such as /data/**`);
    if (path.length > maxIOPathLength) throw invalid(`${field}.path`, `is ${path.length} characters long: at most ${maxIOPathLength}`);
    if (/[\0\t\n\r]/.test(path)) throw invalid(`${field}.path`, "holds a NUL, TAB or newline");
    action.path = path;
  }

  const methods = value["methods"] ?? [];
  if (!Array.isArray(methods)) throw invalid(`${field}.methods`, "must be a list of method names");
  methods.forEach((m, i) => {
    if (typeof m !== "string" || !(ioChaosMethods as readonly string[]).includes(m)) throw invalid(`${field}.methods[${i}]`, `${JSON.stringify(m)} is not one of ${ioChaosMethods.join(", ")}`);
  });
  if (methods.length > 0) action.methods = [...new Set(methods as string[])];

  action.percent = value["percent"] === undefined ? 100 : checkInteger(value["percent"], `${field}.percent`, 0, 100);
  if (typeof value["source"] === "string") action.source = value["source"];
  else if (value["source"] !== undefined) throw invalid(`${field}.source`, "must be a string");

  switch (action.type) {
    case "latency": {
      const latency = value["latency"];
      if (typeof latency !== "string" || latency === "") throw invalid(`${field}.latency`, 'a latency action needs latency, a Go duration such as "100ms"');
      let ns: bigint;
      try {
        ns = timeOffsetNanos(latency);
      } catch (error) {
        if (error instanceof InvalidTimeOffsetError) throw invalid(`${field}.latency`, `${JSON.stringify(latency)} is not a Go duration such as "100ms" or "1.5s"`);
        throw error;
      }
      if (ns <= 0n) throw invalid(`${field}.latency`, `${JSON.stringify(latency)} is not positive`);
      if (ns > maxIOLatencyNanos) throw invalid(`${field}.latency`, `${JSON.stringify(latency)} is longer than 1h`);
      action.latency = latency;
      break;
    }
    case "fault": {
      const faults = value["faults"];
      if (!Array.isArray(faults) || faults.length === 0) throw invalid(`${field}.faults`, "a fault action needs at least one {errno, weight}");
      if (faults.length > 16) throw invalid(`${field}.faults`, `${faults.length} faults: at most 16`);
      action.faults = faults.map((f, i) => {
        if (!isObject(f)) throw invalid(`${field}.faults[${i}]`, "must be an object {errno, weight}");
        for (const k of Object.keys(f)) if (k !== "errno" && k !== "weight") throw invalid(`${field}.faults[${i}].${k}`, "unknown field");
        if (f["errno"] === 0 || f["errno"] === undefined) throw invalid(`${field}.faults[${i}].errno`, "errno 0 is not a fault: give a Linux errno such as 5 (EIO)");
        return { errno: checkInteger(f["errno"], `${field}.faults[${i}].errno`, 1, maxIOErrno), weight: checkInteger(f["weight"] ?? 1, `${field}.faults[${i}].weight`, 0, 0x7fff_ffff) };
      });
      if (action.faults.every((f) => f.weight === 0)) throw invalid(`${field}.faults`, "every weight is 0: at least one must be positive");
      break;
    }
    case "attrOverride": {
      for (const k of ["ino", "size", "blocks"] as const) if (value[k] !== undefined) action[k] = checkInteger(value[k], `${field}.${k}`, 0, u64Max);
      for (const k of ["atime", "mtime", "ctime"] as const) if (value[k] !== undefined) action[k] = checkTimespec(value[k], `${field}.${k}`);
      if (value["kind"] !== undefined) {
        const kind = value["kind"];
        if (typeof kind !== "string" || !(ioChaosFileKinds as readonly string[]).includes(kind)) throw invalid(`${field}.kind`, `${JSON.stringify(kind)} is not one of ${ioChaosFileKinds.join(", ")}`);
        action.kind = kind as IOAttrOverride["kind"];
      }
      if (value["perm"] !== undefined) action.perm = checkInteger(value["perm"], `${field}.perm`, 0, 0o7777);
      for (const k of ["nlink", "uid", "gid", "rdev"] as const) if (value[k] !== undefined) action[k] = checkInteger(value[k], `${field}.${k}`, 0, u32Max);
      if (!ioAttrFields.some((k) => action[k] !== undefined)) throw invalid(field, "an attrOverride action needs at least one attr field (ino, size, blocks, atime, mtime, ctime, kind, perm, nlink, uid, gid, rdev)");
      break;
    }
    case "mistake": {
      const m = value["mistake"];
      if (!isObject(m)) throw invalid(`${field}.mistake`, "a mistake action needs mistake {filling, maxOccurrences, maxLength}");
      for (const k of Object.keys(m)) if (!["filling", "maxOccurrences", "maxLength"].includes(k)) throw invalid(`${field}.mistake.${k}`, "unknown field");
      const filling = m["filling"];
      if (typeof filling !== "string" || !(ioChaosFillings as readonly string[]).includes(filling)) throw invalid(`${field}.mistake.filling`, `${JSON.stringify(filling)} is not zero or random`);
      action.mistake = {
        filling: filling as IOMistake["filling"],
        maxOccurrences: checkInteger(m["maxOccurrences"], `${field}.mistake.maxOccurrences`, 1, 1_000_000),
        maxLength: checkInteger(m["maxLength"], `${field}.mistake.maxLength`, 1, 1 << 30),
      };
      break;
    }
  }
  return action;
}

/** Parses ExecIOChaos's `action` (one JSON object) strictly. */
export function parseIOAction(json: string, field = "action"): IOChaosAction {
  if (json === "") throw invalid(field, "an action is required (a JSON object of Chaos Mesh's PodIOChaos action shape)");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalid(field, `is not JSON: ${(error as Error).message}`);
  }
  return checkIOAction(value, field);
}

/** Parses ApplyIOChaos's `actions` (a JSON list; "" or "null" is the empty list) strictly. */
export function parseIOActions(json: string, field = "actions"): IOChaosAction[] {
  if (json.trim() === "" || json.trim() === "null") return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalid(field, `is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw invalid(field, "must be a JSON list of Chaos Mesh's PodIOChaos actions");
  if (value.length > maxIOActionsPerVolume) throw invalid(field, `${value.length} actions: at most ${maxIOActionsPerVolume} on one volume`);
  return value.map((a, i) => checkIOAction(a, `${field}[${i}]`));
}

/**
 * An action as the FUSE server's config takes it (iofs-helper.ts's `IofsAction`: one line each). A
 * fault action with several weighted errnos becomes one action per errno whose percents, tried in
 * order, give each errno its share of `percent` (rounded to whole percents): the server draws each
 * action independently and the first fault that fires answers (native/iofs-ops.c).
 */
export function toIofsActions(action: IOChaosAction): IofsAction[] {
  const filter = { ...(action.path !== undefined && { path: action.path }), ...(action.methods !== undefined && { methods: action.methods as IofsMethod[] }) };
  const percent = action.percent ?? 100;
  switch (action.type) {
    case "latency":
      return [{ ...filter, percent, kind: "latency", delayNs: Number(timeOffsetNanos(action.latency ?? "0")) }];
    case "fault": {
      const faults = (action.faults ?? []).filter((f) => f.weight > 0);
      const total = faults.reduce((n, f) => n + f.weight, 0);
      const out: IofsAction[] = [];
      let left = 1; // the chance no earlier line fired
      for (const f of faults) {
        const share = (percent / 100) * (f.weight / total);
        const p = left <= 0 ? 0 : Math.min(100, Math.round((share / left) * 100));
        out.push({ ...filter, percent: p, kind: "fault", errno: f.errno });
        left -= share;
      }
      return out;
    }
    case "attrOverride": {
      const attr: IofsAttr = {};
      for (const k of ["ino", "size", "blocks", "perm", "nlink", "uid", "gid", "rdev"] as const) if (action[k] !== undefined) attr[k] = action[k];
      for (const k of ["atime", "mtime", "ctime"] as const) {
        const t = action[k];
        if (t !== undefined) Object.assign(attr, { [`${k}Sec`]: t.sec, [`${k}Nsec`]: t.nsec });
      }
      if (action.kind !== undefined) attr.kind = action.kind;
      return [{ ...filter, percent, kind: "attrOverride", attr }];
    }
    case "mistake": {
      const m = action.mistake!;
      return [{ ...filter, percent, kind: "mistake", filling: m.filling, maxOccurrences: m.maxOccurrences, maxLength: m.maxLength }];
    }
  }
}

/** The config file's lines for one action (TAB-separated `name=value`, see native/README.md). */
export function ioConfigLines(action: IOChaosAction): string[] {
  return toIofsActions(action).map((a) => iofsActionLine(a));
}

/** The whole config file for a volume's actions, in order; "" (pure passthrough) when none. */
export function renderIOConfig(actions: readonly IOChaosAction[]): string {
  return iofsConfigText(actions.flatMap(toIofsActions));
}

/**
 * One (container, volume)'s actions in force: ApplyIOChaos's set first (in its order), then every
 * record's action in the order of its key — the same records always render the same file.
 */
export function mergedIOActions(applied: readonly IOChaosAction[], records: { readonly [recordKey: string]: IOChaosAction }): IOChaosAction[] {
  return [...applied, ...Object.keys(records).sort().map((k) => records[k]!)];
}
