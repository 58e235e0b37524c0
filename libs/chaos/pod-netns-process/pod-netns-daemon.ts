import type { NodeCapabilities } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { HostNamespaces, iptablesCommands, nodeCapabilityProbeFor, type IptablesCommands } from "@faultline/daemon-server";
import { KeyedLock } from "./keyed-lock.js";
import type { TargetNetworkNamespace } from "../network/daemon/target-network-namespace.js";
import { defaultHostPaths, type HostPaths } from "../stress/cgroup-target.js";
import { podNetworkNamespace } from "./pod-network-namespace.js";
import type { PodProcess } from "./pod-process.js";
import { PodStateDir } from "./pod-state-dir.js";
import { precondition } from "./pod-request-validation.js";
import { reconcileLoop } from "./reconcile-loop.js";
import { processInNetns } from "./netns-members.js";

/** What the reconcile loop tells: one event, `message` and fields. */
export type ReconcileEvent = { [field: string]: unknown; message: string };

/** The options a pod-netns-process kind's daemon side shares; the defaults are what the daemon image has. */
export interface PodNetnsDaemonOptions<L> {
  /** Where the pods' state is kept; default the kind's (`$FAULTLINE_<KIND>_STATE_DIR`, else the node's /run/faultline/<kind>). */
  stateDir?: string;
  /** The host's procfs and cgroup root; default `/proc` and `/sys/fs/cgroup`. */
  paths?: HostPaths;
  /** Starts and stops the kind's pod processes; default the kind's launcher of its main script. */
  launcher?: L;
  /** The node's capabilities; default the daemon's one cached probe. */
  capabilities?: () => Promise<NodeCapabilities>;
  /** Which namespaces are the node's or the daemon's own; default `new HostNamespaces({ procRoot })`. */
  hostNamespaces?: HostNamespaces;
  /** How often every pod is checked; default 3000 ms; 0: never (tests call `reconcile` themselves). */
  reconcileIntervalMs?: number;
  /** Stops the reconcile loop. */
  signal?: AbortSignal;
  /** Where the reconcile loop tells what it did; default one JSON line on stdout. */
  onReconcile?: (event: ReconcileEvent) => void;
}

/** A kind's own parts of {@link podNetnsDaemon}. */
export interface PodNetnsKind<S, D extends PodStateDir<S>, L extends { alive(p: PodProcess): boolean }, R extends { recordKey: string }> {
  /** The kind's state directory at `root`. */
  stateDir(root: string): D;
  /** Where its state is kept unless told. */
  defaultStateDir(procRoot: string): string;
  /** Its daemon's launcher. */
  launcher(paths: HostPaths): L;
  /** Whether the node can do it; else `lacks` is the FailedPrecondition's reason (`node N cannot do this: it lacks <lacks>`). */
  capable(caps: NodeCapabilities): boolean;
  lacks: string;
  /** Why a hostNetwork pod is refused. */
  hostNetworkRefusal: string;
  /** The records a pod's state holds. */
  records(state: S): readonly R[];
  /** The reconcile loop's message when a pod's check failed (it is tried again). */
  checkFailed: string;
}

/**
 * What DNSChaos's and HTTPChaos's daemon sides share: per pod (key: its network namespace's inode)
 * a state directory, serialised by a lock; the node's capability; the pod's namespace entered
 * through one of its processes; the reconcile loop over every pod's state; and finding the pod
 * that holds a record key. Each kind keeps its process, its chain rules and its config.
 */
export function podNetnsDaemon<S, D extends PodStateDir<S>, L extends { alive(p: PodProcess): boolean }, R extends { recordKey: string }>(
  deps: DaemonKindDeps,
  options: PodNetnsDaemonOptions<L>,
  kind: PodNetnsKind<S, D, L, R>,
) {
  const paths = options.paths ?? defaultHostPaths;
  const probe = nodeCapabilityProbeFor(deps.runner);
  const capabilities = options.capabilities ?? (() => probe.get());
  const host = options.hostNamespaces ?? new HostNamespaces({ procRoot: paths.procRoot });
  const lock = new KeyedLock();
  let stateDir: D | undefined;
  const state = () => (stateDir ??= kind.stateDir(options.stateDir ?? kind.defaultStateDir(paths.procRoot)));
  let launcher = options.launcher;
  const processes = () => (launcher ??= kind.launcher(paths));
  const tell = options.onReconcile ?? ((event) => console.log(JSON.stringify({ level: "info", time: new Date().toISOString(), ...event })));

  /** The pod's network namespace, entered through one of its processes. */
  const nsOf = (caps: NodeCapabilities, pid: number, signal?: AbortSignal): TargetNetworkNamespace => ({
    node: caps.nodeName,
    run: (argv, input) => deps.runner.run({ pid, namespaces: ["net"], argv, input, signal }),
  });
  const cmdsOf = (caps: NodeCapabilities): IptablesCommands => iptablesCommands(caps.iptablesBackend === "legacy" ? "legacy" : "nf_tables");
  const alive = <P extends PodProcess>(p: P | undefined): p is P => p !== undefined && processes().alive(p);

  async function requireCapability(): Promise<NodeCapabilities> {
    const caps = await capabilities();
    if (!kind.capable(caps)) throw precondition(`node ${caps.nodeName} cannot do this: it lacks ${kind.lacks}`);
    return caps;
  }

  /** A container's pod: the node's capability, the container's pid, its network namespace (hostNetwork refused), its key. */
  async function target(containerId: string, signal: AbortSignal) {
    const caps = await requireCapability();
    const pid = await deps.runtime.getPid(containerId, { signal });
    const netns = await podNetworkNamespace(paths.procRoot, host, containerId, pid, kind.hostNetworkRefusal);
    return { caps, pid, netns, key: PodStateDir.podKey(netns) };
  }

  /** Under the pod's lock: its state as it is now (undefined: none), then `act`. */
  const withPod = <T>(key: string, act: (before: S | undefined) => Promise<T>): Promise<T> => lock.run(key, () => act(state().read(key)));

  /**
   * Drops `recordKey` wherever it is held: the pod holding it is found, then under its lock, if it
   * still holds it, `act` (its state, the records left). A key no pod holds is `{ held: false }`.
   */
  async function dropRecord<T extends { [field: string]: unknown }>(recordKey: string, act: (key: string, st: S) => Promise<T>): Promise<T | { held: false }> {
    const holds = (st: S | undefined): st is S => st !== undefined && kind.records(st).some((r) => r.recordKey === recordKey);
    const key = state()
      .podKeys()
      .find((k) => holds(state().read(k)));
    if (key === undefined) return { held: false };
    return withPod(key, async (st) => (holds(st) ? act(key, st) : { held: false as const }));
  }

  /** A process of the pod (of its network namespace) other than its helper process: none when the pod is gone. */
  const memberOf = (netns: { ino: number }, helper: { pid: number } | undefined): number | undefined =>
    processInNetns(paths.procRoot, netns.ino, helper ? [helper.pid] : []);

  /** Every record of every pod. */
  const allRecords = (): R[] =>
    state()
      .podKeys()
      .flatMap((key) => {
        const st = state().read(key);
        return st === undefined ? [] : kind.records(st);
      });

  /**
   * The reconcile pass over every pod's state (at start and every few seconds unless told): per
   * pod under its lock, a directory without its state removed, else `check(key, state)`.
   */
  function reconcileWith(check: (key: string, st: S) => Promise<void>) {
    const reconcileOne = (key: string) =>
      withPod(key, async (st) => {
        if (st === undefined) {
          state().remove(key); // a directory without its state: a write that never happened
          return;
        }
        await check(key, st);
      });
    const reconcile = reconcileLoop(
      () => state().podKeys(),
      reconcileOne,
      (key, error) => tell({ level: "warn", message: kind.checkFailed, netns: key, error: error.message }),
      options.reconcileIntervalMs ?? 3000,
      options.signal,
    );
    return { reconcileOne, reconcile };
  }

  return { paths, capabilities, lock, state, processes, tell, nsOf, cmdsOf, alive, target, withPod, dropRecord, memberOf, allRecords, reconcileWith };
}
