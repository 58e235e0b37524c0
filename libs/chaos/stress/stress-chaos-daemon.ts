import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { ExecStressRequest_Scope, type ExecStressRequest, type ExecStressResponse } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, toConnectError, type DaemonHandlers } from "@faultline/daemon-server";
import { CgroupTargetError, cgroupTargetOf, nodeMemoryBytes } from "./cgroup-target.js";
import { MemorySizeError, memorySizeBytes } from "./memory-size.js";
import { StressArgumentsError, memoryStressorArgv, parseMemoryStressor, stressNgTokens, type MemoryStressor } from "./stress-ng-arguments.js";
import {
  StressorStartError,
  defaultStressorLauncher,
  findStressors,
  killStressors,
  listStressors,
  loadMarkerSecret,
  removeStressorTmpfs,
  startStressor,
  stressorSetprivArgs,
  stressorUidOf,
  sweepStressorTmpfs,
  type StressorInstance,
  type StressorLauncher,
  type StressorPart,
} from "./stressor-processes.js";
import { expiredStressorLeases, leaseDirBeside, readStressorLeases, removeStressorLease, writeStressorLease } from "./stressor-leases.js";
import { nodeRunPath } from "../pod-netns-process/node-run-path.js";

const recordKeyPattern = /^[A-Za-z0-9._:/-]{1,512}$/;

/** Options of the StressChaos daemon side; the defaults are what the daemon image has. */
export interface StressChaosDaemonOptions {
  launcher?: StressorLauncher;
  /** The file holding the secret the stressors' markers are bound to (made on first use); default {@link defaultMarkerSecretFile}. */
  markerSecretFile?: string;
  /**
   * How long a stressor runs unless the manager renews it, when a request names no lease; default
   * the daemon's `--injection-lease-seconds` (`DaemonKindDeps.injectionLeaseSeconds`), else
   * {@link defaultInjectionLeaseSeconds}.
   */
  leaseSeconds?: number;
  /** How often leases are checked; default a quarter of the lease, at most 10 s. */
  leaseCheckMs?: number;
  /** Where a stopped stressor past its lease is told; default one JSON line on stdout. */
  onLeaseExpired?: (stopped: { uid: string; processes: number }[]) => void;
}

/** The lease of a stressor the manager does not renew, in seconds: 5 minutes. */
export const defaultInjectionLeaseSeconds = 300;

/**
 * Where the marker secret is kept unless told: `$FAULTLINE_STRESS_MARKER_SECRET_FILE`; else the
 * node's `/run/faultline/stress-marker.key`, reached through the host's pid 1 (`<procRoot>/1/root`,
 * the daemon runs with hostPID), which outlives the daemon's container, so a restarted daemon
 * still recognises its stressors, and goes with a reboot of the node, as the stressors do; else
 * (pid 1's root not reachable, as for a daemon run as a plain process) the daemon's own `/run`.
 */
export function defaultMarkerSecretFile(procRoot: string): string {
  return nodeRunPath(procRoot, "stress-marker.key", "FAULTLINE_STRESS_MARKER_SECRET_FILE");
}

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

const capSysResource = 24n;

/** Whether this daemon may set `adj`: lowering an oom_score_adj below its own needs CAP_SYS_RESOURCE. */
async function mayLowerOomScoreTo(adj: number): Promise<boolean> {
  const own = Number((await readFile("/proc/self/oom_score_adj", "utf8")).trim());
  if (adj >= own) return true;
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(await readFile("/proc/self/status", "utf8"))?.[1];
  return capEff !== undefined && ((BigInt(`0x${capEff}`) >> capSysResource) & 1n) === 1n;
}

/** Runs `stress-ng --dry-run <args>` (as the stressor would run: no capability, not root): stress-ng's own parser refuses values out of range. */
function dryRun(launcher: StressorLauncher, args: string[], field: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // --temp-path: stress-ng checks it can write there even when it only parses; /tmp, never written
    execFile(launcher.setpriv, [...stressorSetprivArgs, "--", launcher.stressNg, "--dry-run", "--temp-path", "/tmp", ...args], { timeout: 10_000, cwd: "/" }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const why = stderr.split("\n").filter((l) => l && !l.includes("info:") && !l.startsWith("Try ")).join("; ") || error.message;
      reject(invalid(`${field}: stress-ng refuses ${JSON.stringify(args.join(" "))}: ${why}`));
    });
  });
}

/**
 * stress-ng's arguments per part: `--timeout 0` (it runs until stopped) before the CPU tokens; for
 * memory also `--no-oom-adjust` (stress-ng would otherwise set its workers' oom_score_adj to 1000
 * itself) and the vm stressor sized from `wholeBytes` (the container's memory limit, else the
 * node's memory). Throws StressArgumentsError for a size that does not fit.
 */
export function stressNgArgs(wanted: WantedStressors, wholeBytes: number): { [part in StressorPart]?: string[] } {
  const argv: { [part in StressorPart]?: string[] } = {};
  if (wanted.cpu) argv.cpu = ["--timeout", "0", ...wanted.cpu];
  if (wanted.memory) argv.memory = ["--timeout", "0", "--no-oom-adjust", ...memoryStressorArgv(wanted.memory, wholeBytes)];
  return argv;
}

const response = (instances: StressorInstance[]): ExecStressResponse => {
  const cpu = instances.find((i) => i.part === "cpu");
  const memory = instances.find((i) => i.part === "memory");
  return {
    $typeName: "pb.ExecStressResponse",
    cpuInstance: cpu ? String(cpu.pid) : "",
    cpuStartTime: BigInt(cpu?.startTimeMs ?? 0),
    cpuInstanceUid: cpu?.uid ?? "",
    memoryInstance: memory ? String(memory.pid) : "",
    memoryStartTime: BigInt(memory?.startTimeMs ?? 0),
    memoryInstanceUid: memory?.uid ?? "",
  };
};

/** The stressors an ExecStressRequest asks for, checked: the CPU stressor's stress-ng tokens, the memory stressor read. */
export interface WantedStressors {
  cpu?: string[];
  memory?: MemoryStressor;
}

/**
 * Checks an ExecStressRequest before anything runs (a ConnectError InvalidArgument naming the field);
 * returns the stressors it asks for. Pure: the plan calls it to show what the daemon would refuse.
 */
export function checkStressRequest(req: ExecStressRequest): WantedStressors {
  if (req.scope !== ExecStressRequest_Scope.CONTAINER) throw invalid("scope: only CONTAINER is supported (a pod's stress targets one of its containers)");
  if (req.target === "") throw invalid("target: a container id is required");
  if (req.oomScoreAdj < -1000 || req.oomScoreAdj > 1000) throw invalid(`oomScoreAdj must be -1000..1000, got ${req.oomScoreAdj}`);
  if (req.leaseSeconds < 0) throw invalid(`leaseSeconds must be 0 (the daemon's default) or more, got ${req.leaseSeconds}`);
  if (req.recordKey !== "" && !recordKeyPattern.test(req.recordKey)) throw invalid(`recordKey ${JSON.stringify(req.recordKey)} holds characters other than letters, digits and . _ : / -`);
  try {
    const cpu = req.cpuStressors.trim() === "" ? undefined : stressNgTokens(req.cpuStressors, "cpuStressors");
    const memory = req.memoryStressors.trim() === "" ? undefined : parseMemoryStressor(req.memoryStressors);
    // the size's form now, before any lookup; its bytes once the container's limit is known
    if (memory?.size !== undefined) memorySizeBytes(memory.size, 0);
    if (!cpu && !memory) throw invalid("missing stressors: cpuStressors and memoryStressors are both empty");
    return { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
  } catch (err) {
    if (err instanceof StressArgumentsError) throw invalid(err.message);
    if (err instanceof MemorySizeError) throw invalid(`memoryStressors: ${err.message}`);
    throw err;
  }
}

/**
 * The daemon side of StressChaos. ExecStressors checks the request (against the allowlist, token by
 * token, then with stress-ng's own `--dry-run`), finds the container's init pid and cgroups, and starts each
 * stressor inside the container's cgroups and pid namespace before it does any work; the processes
 * carry the record key and their uid in their environment. With a record key it is idempotent: the
 * record's running stressors are returned instead of new ones. CancelStressors stops every process
 * of the named stressors (by key, uid, or Chaos Mesh's pid and start time), workers included, and
 * succeeds when they are already gone — also after a daemon restart, since the processes
 * themselves say whose they are.
 */
export function stressChaosDaemon(deps: DaemonKindDeps, options: StressChaosDaemonOptions = {}): DaemonHandlers {
  const launcher = options.launcher ?? defaultStressorLauncher;
  const leaseMs = (options.leaseSeconds ?? deps.injectionLeaseSeconds ?? defaultInjectionLeaseSeconds) * 1000;
  const leaseOf = (seconds: number) => Date.now() + (seconds > 0 ? seconds * 1000 : leaseMs);
  // read (or made) at the first request that needs it; then the tmpfs an earlier daemon left behind
  // for stressors that no longer run is swept
  let secretOnce: Promise<Buffer> | undefined;
  let secretFile = options.markerSecretFile;
  const markerSecret = () =>
    (secretOnce ??= (async () => {
      secretFile ??= defaultMarkerSecretFile(launcher.paths.procRoot);
      let secret: Buffer;
      try {
        secret = loadMarkerSecret(secretFile);
      } catch (err) {
        throw new ConnectError(`cannot read or make the stress marker secret ${secretFile}: ${(err as Error).message}`, Code.FailedPrecondition);
      }
      await sweepStressorTmpfs(secret, launcher);
      return secret;
    })().catch((err: unknown) => {
      secretOnce = undefined; // tried again at the next request
      throw err;
    }));
  const leaseDir = () => leaseDirBeside((secretFile ??= defaultMarkerSecretFile(launcher.paths.procRoot)));

  // the lease cap: a stressor no manager renewed within its lease is stopped, also one an earlier
  // daemon started (its lease file outlives the daemon); nothing is read until a lease exists
  const onExpired =
    options.onLeaseExpired ??
    ((stopped) => console.log(JSON.stringify({ level: "info", message: "stressors past their lease stopped", time: new Date().toISOString(), stopped })));
  let reaping = false;
  const reap = async () => {
    if (reaping) return;
    reaping = true;
    try {
      const expired = expiredStressorLeases(readStressorLeases(leaseDir()), Date.now());
      if (expired.length === 0) return;
      const secret = await markerSecret();
      const stopped: { uid: string; processes: number }[] = [];
      for (const uid of expired) {
        // renewed since it was read: not ours to stop
        if ((readStressorLeases(leaseDir()).find((l) => l.uid === uid)?.expiresAtMs ?? 0) > Date.now()) continue;
        const processes = await killStressors({ uid }, secret, launcher.paths);
        await removeStressorTmpfs(launcher, uid);
        removeStressorLease(leaseDir(), uid);
        if (processes > 0) stopped.push({ uid, processes });
      }
      if (stopped.length > 0) onExpired(stopped);
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", message: "stressor lease check failed: tried again", error: (err as Error).message }));
    } finally {
      reaping = false;
    }
  };
  setInterval(() => void reap(), options.leaseCheckMs ?? Math.min(10_000, Math.max(250, leaseMs / 4))).unref();

  return {
    async execStressors(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecStressors", {
        request: { target: req.target, cpuStressors: req.cpuStressors, memoryStressors: req.memoryStressors, oomScoreAdj: req.oomScoreAdj, recordKey: req.recordKey },
      });
      const wanted = checkStressRequest(req);
      const pid = await deps.runtime.getPid(req.target, { signal: ctx.signal });
      try {
        const cgroup = await cgroupTargetOf(pid, launcher.paths);
        const whole = wanted.memory ? (cgroup.memoryLimitBytes ?? (await nodeMemoryBytes(launcher.paths))) : 0;
        let argv: { [part in StressorPart]?: string[] };
        try {
          argv = stressNgArgs(wanted, whole);
        } catch (err) {
          throw err instanceof StressArgumentsError ? invalid(err.message) : err;
        }
        for (const [part, args] of Object.entries(argv)) await dryRun(launcher, args, `${part}Stressors`);
        if (argv.memory && !(await mayLowerOomScoreTo(req.oomScoreAdj))) {
          throw new ConnectError(`cannot give the memory stressor oom_score_adj ${req.oomScoreAdj}: lowering it needs CAP_SYS_RESOURCE, which this daemon lacks`, Code.FailedPrecondition);
        }

        const secret = await markerSecret();
        const key = req.recordKey;
        const running = key === "" ? [] : await findStressors({ key }, secret, launcher.paths);
        const instances: StressorInstance[] = [];
        for (const [part, args] of Object.entries(argv) as [StressorPart, string[]][]) {
          const already = running.find((i) => i.part === part);
          if (already) {
            instances.push(already);
            continue;
          }
          try {
            instances.push(await startStressor({ part, key, args, targetPid: pid, cgroup, oomScoreAdj: part === "memory" ? req.oomScoreAdj : 0 }, secret, launcher));
          } catch (err) {
            // nothing half-injected: what this call started goes too
            for (const started of instances.filter((i) => !running.includes(i))) {
              await killStressors({ uid: started.uid }, secret, launcher.paths);
              await removeStressorTmpfs(launcher, started.uid);
            }
            throw err;
          }
        }
        for (const instance of instances) writeStressorLease(leaseDir(), instance.uid, leaseOf(req.leaseSeconds));
        log.info("stressors running", {
          pid,
          cgroup: cgroup.mode,
          ...(cgroup.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: cgroup.memoryLimitBytes }),
          instances: instances.map((i) => ({ part: i.part, pid: i.pid, uid: i.uid, reused: running.includes(i) })),
          argv,
        });
        return response(instances);
      } catch (err) {
        if (err instanceof CgroupTargetError || err instanceof StressorStartError) throw new ConnectError(err.message, Code.FailedPrecondition);
        throw toConnectError(err);
      }
    },

    async renewStressorLeases(req, ctx) {
      if (req.leaseSeconds < 0) throw invalid(`leaseSeconds must be 0 (the daemon's default) or more, got ${req.leaseSeconds}`);
      for (const key of req.recordKeys) {
        if (!recordKeyPattern.test(key)) throw invalid(`recordKeys: ${JSON.stringify(key)} holds characters other than letters, digits and . _ : / -`);
      }
      const secret = await markerSecret();
      let renewed = 0;
      for (const key of new Set(req.recordKeys)) {
        for (const instance of await findStressors({ key }, secret, launcher.paths)) {
          writeStressorLease(leaseDir(), instance.uid, leaseOf(req.leaseSeconds));
          renewed++;
        }
      }
      requestLogger(ctx).info("RenewStressorLeases", { keys: req.recordKeys.length, renewed });
      return { renewed };
    },

    async listStressors(_req, ctx) {
      const secret = await markerSecret();
      const found = await listStressors(secret, launcher.paths);
      requestLogger(ctx).info("ListStressors", { stressors: found.length });
      return { stressors: found.map((i) => ({ recordKey: i.key, part: i.part, uid: i.uid, pid: BigInt(i.pid) })) };
    },

    async cancelStressors(req, ctx) {
      const log = requestLogger(ctx);
      log.info("CancelStressors", {
        request: { cpuInstance: req.cpuInstance, cpuInstanceUid: req.cpuInstanceUid, memoryInstance: req.memoryInstance, memoryInstanceUid: req.memoryInstanceUid, recordKey: req.recordKey },
      });
      if (req.recordKey !== "" && !recordKeyPattern.test(req.recordKey)) throw invalid(`recordKey ${JSON.stringify(req.recordKey)} holds characters other than letters, digits and . _ : / -`);
      const named = req.recordKey !== "" || [req.cpuInstanceUid, req.memoryInstanceUid].some((u) => u !== "") || [req.cpuInstance, req.memoryInstance].some((i) => /^[0-9]+$/.test(i));
      if (!named) {
        log.info("stressors stopped", { processes: 0 });
        return {};
      }
      const secret = await markerSecret();
      const uids = new Set<string>();
      for (const [uid, instance, startTime] of [
        [req.cpuInstanceUid, req.cpuInstance, req.cpuStartTime],
        [req.memoryInstanceUid, req.memoryInstance, req.memoryStartTime],
      ] as const) {
        if (uid !== "") uids.add(uid);
        else if (/^[0-9]+$/.test(instance)) {
          // Chaos Mesh's controller names pid and start time only: the process says which stressor it is
          const found = await stressorUidOf(Number(instance), Number(startTime), secret, launcher.paths);
          if (found) uids.add(found);
        }
      }
      let killed = 0;
      if (req.recordKey !== "") killed += await killStressors({ key: req.recordKey }, secret, launcher.paths);
      for (const uid of uids) killed += await killStressors({ uid }, secret, launcher.paths);
      // their tmpfs, and any other whose stressor is gone (a target that died took its stressors)
      const tmpfsRemoved = await sweepStressorTmpfs(secret, launcher);
      log.info("stressors stopped", { processes: killed, tmpfsRemoved: tmpfsRemoved.length });
      return {};
    },
  };
}
