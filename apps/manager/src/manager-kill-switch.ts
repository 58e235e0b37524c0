// The kill switch in the manager: a cache of the cluster-scoped KillSwitch `cluster`, the state every
// controller reads, a gate that holds every reconcile until that cache has listed (a manager that
// starts while the switch is engaged starts nothing), every object queued again when the switch
// changes, the switch's status (how many records are still injected) written while leading, and the
// emergency's own client budget (`onRecovering`) from engaging until every record is recovered.
import { isDeepStrictEqual } from "node:util";
import { killSwitchName, killSwitchResource, killSwitchStateOf, killSwitchStatus, type KillSwitch, type KillSwitchState } from "@faultline/api";
import { errorFields, objectKeyOf, type InformerSet, type Logger, type ManagedController, type WatchedResource } from "@faultline/controller";
import { activeRecordsOf } from "@faultline/records";
import { resourceOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from "@kubernetes/client-node";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const switchKey = { namespace: "", name: killSwitchName };

/** What {@link createManagerKillSwitch} needs. */
export interface ManagerKillSwitchOptions {
  informers: InformerSet;
  customObjects: CustomObjectsApi;
  /** The served chaos kinds, whose cached objects' records the status counts. */
  kinds: () => readonly ChaosKind[];
  logger: Logger;
  /**
   * Called with `true` when the switch is engaged (every record is to be recovered), and with
   * `false` once its status counts no record still injected, when it is turned off, and when
   * {@link ManagerKillSwitch.run} ends; only on a change. The manager raises its client rate limit
   * for that time (`--kill-switch-qps`): the emergency's own budget.
   */
  onRecovering?: (recovering: boolean) => void;
  /** How long changes are gathered before the status is written again; default 100 ms. */
  statusDebounceMs?: number;
  /**
   * How long after {@link ManagerKillSwitch.run} starts a cache that has not listed (no CRD, no
   * RBAC to list or watch killswitches) is taken for "state unknown", reconciled as ENGAGED;
   * default 30 s.
   */
  unknownAfterMs?: number;
  now?: () => Date;
}

/** The manager's kill switch. */
export interface ManagerKillSwitch {
  /**
   * The switch now, from the cache (off until it has listed; nothing reconciles before that), or,
   * once its cache has not listed for `unknownAfterMs`, engaged with `unknown` saying why.
   */
  state(): KillSwitchState;
  /** Resolves once the KillSwitch cache has listed. */
  readonly synced: Promise<void>;
  /**
   * The controllers with every reconcile held until {@link synced} (or until the switch's state is
   * taken as unknown, see `unknownAfterMs`), and counted while in flight: the status reports no
   * AllRecovered while a reconcile begun before the switch was engaged may still apply something.
   */
  gate(controllers: readonly ManagedController[]): ManagedController[];
  /** Calls `requeue` with every controller whenever the switch's state (engaged, reason) changes. */
  onChange(handler: () => void): void;
  /** Whether the switch is engaged with records still to recover (what `onRecovering` was last told). */
  recovering(): boolean;
  /** Writes the switch's status until `signal` aborts (while leading). */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The kill switch as the manager runs it (see the chart README's "Kill switch"): one informer of
 * `killswitches.faultline.chaos-mesh.org`, read by the records pipeline, Schedules and Workflows.
 */
export function createManagerKillSwitch(options: ManagerKillSwitchOptions): ManagerKillSwitch {
  const { informers, customObjects, logger } = options;
  const now = options.now ?? (() => new Date());
  const debounceMs = options.statusDebounceMs ?? 100;
  const unknownAfterMs = options.unknownAfterMs ?? 30_000;
  const cache = informers.informer<KillSwitch>(killSwitchResource);
  const handlers: Array<() => void> = [];
  let dirty: (() => void) | undefined;
  const markDirty = () => dirty?.();

  let recovering = false;
  const setRecovering = (next: boolean) => {
    if (next === recovering) return;
    recovering = next;
    options.onRecovering?.(next);
  };

  // why the switch's state is unknown: set once its cache has not listed for unknownAfterMs (no
  // CRD, no RBAC), and read as ENGAGED until it lists — everything recovers, nothing starts
  let unknown: string | undefined;
  // reconciles in flight per switch epoch (the epoch moves each time the switch turns on or off)
  let epoch = 0;
  const inFlight = new Map<number, number>();
  const reconcilesBefore = () => [...inFlight].reduce((sum, [at, count]) => (at === epoch ? sum : sum + count), 0);

  let last: KillSwitchState | undefined;
  const current = (): KillSwitchState => (unknown !== undefined && !cache.hasSynced ? { engaged: true, unknown } : killSwitchStateOf(cache.get(switchKey)));
  const changed = () => {
    const next = current();
    if (next.engaged !== (last?.engaged ?? false)) epoch++;
    // engaged: recovering until the status counts no record still injected; off (or unknown, with
    // no status to count in): no emergency budget
    const emergency = (state: KillSwitchState | undefined) => Boolean(state?.engaged && state.unknown === undefined);
    if (emergency(next) !== emergency(last)) setRecovering(emergency(next));
    markDirty();
    if (isDeepStrictEqual(next, last)) return;
    if (next.unknown === undefined && (last !== undefined || next.engaged)) {
      logger.info(next.engaged ? "kill switch engaged: recovering every record, starting nothing" : "kill switch off: resuming", {
        reason: next.reason,
        engagedBy: cache.get(switchKey)?.spec?.engagedBy,
        ...(last?.unknown !== undefined && { before: "unknown (its cache has listed now)" }),
      });
    }
    last = next;
    for (const handler of handlers) handler();
  };
  cache.addHandler((event) => {
    if (event.key.name === killSwitchName) changed();
  });

  const synced = new Promise<void>((resolve) => {
    const check = () => (cache.hasSynced ? resolve() : setTimeout(check, 20).unref());
    check();
  });
  let openGate!: () => void;
  const gateOpen = new Promise<void>((resolve) => (openGate = resolve));
  void synced.then(() => {
    openGate();
    if (last?.unknown !== undefined) return changed(); // known at last: stay engaged, or resume
    last ??= current();
    if (last.engaged) logger.info("kill switch engaged at start: nothing starts", { reason: last.reason });
  });

  // What the API server says to a list of killswitches, for the message of an unknown state.
  async function whyUnlisted(): Promise<string> {
    const crd = `${killSwitchResource.plural}.${killSwitchResource.group}`;
    try {
      await customObjects.listClusterCustomObject({ group: killSwitchResource.group, version: killSwitchResource.version, plural: killSwitchResource.plural, limit: 1 });
      return `its cache has not listed though a list of ${crd} works: may the manager watch killswitches (RBAC)?`;
    } catch (error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      if (code === 404) return `the CRD ${crd} is not installed (helm upgrade installs no new CRD: apply the chart's crds/)`;
      if (code === 403) return `the manager may not list ${crd} (RBAC: its ClusterRole lacks list and watch on killswitches)`;
      return `its cache has not listed: ${(error as Error | undefined)?.message ?? String(error)}`;
    }
  }

  async function fallBackToUnknown(): Promise<void> {
    if (cache.hasSynced) return;
    const why = await whyUnlisted();
    if (cache.hasSynced || unknown !== undefined) return;
    unknown = why;
    logger.warn(
      `the kill switch's state is unknown after ${Math.round(unknownAfterMs / 1000)} s: ${why}; reconciling as if it were ENGAGED (every record recovered, nothing started) until its cache lists`,
      { unknown: why },
    );
    changed();
    openGate();
  }

  function watchRecords(): void {
    for (const kind of options.kinds()) {
      informers.informer<ChaosObject>(resourceOf(kind)).addHandler(() => {
        if (last?.engaged) markDirty();
      });
    }
  }
  watchRecords();

  function activeRecords(): number {
    let active = 0;
    for (const kind of options.kinds()) {
      for (const obj of informers.informer<ChaosObject>(resourceOf(kind)).list()) active += activeRecordsOf(kind, obj);
    }
    return active;
  }

  async function writeStatus(): Promise<void> {
    const obj = cache.get(switchKey);
    if (!obj) return setRecovering(false);
    const engaged = killSwitchStateOf(obj).engaged;
    const active = engaged ? activeRecords() : 0;
    const before = engaged ? reconcilesBefore() : 0;
    setRecovering(engaged && (active > 0 || before > 0));
    const status = killSwitchStatus(obj, active, now(), before);
    if (isDeepStrictEqual(status, obj.status ?? {})) return;
    // a merge patch: null removes what no longer applies (engagedAt and the counts once it is off)
    const body = { status: { engagedAt: null, recoveredAt: null, activeRecords: null, ...status } };
    await customObjects.patchClusterCustomObjectStatus({ ...killSwitchResource, name: killSwitchName, body }, mergePatch);
    if (status.recoveredAt && !obj.status?.recoveredAt) logger.info("kill switch: every record recovered", { engagedAt: status.engagedAt, recoveredAt: status.recoveredAt });
  }

  return {
    state: current,
    recovering: () => recovering,
    synced,
    gate(controllers) {
      return controllers.map((controller) => ({
        ...controller,
        reconcile: async (key, signal) => {
          await gateOpen;
          const startedIn = epoch;
          inFlight.set(startedIn, (inFlight.get(startedIn) ?? 0) + 1);
          try {
            return await controller.reconcile(key, signal);
          } finally {
            const left = inFlight.get(startedIn)! - 1;
            if (left > 0) inFlight.set(startedIn, left);
            else inFlight.delete(startedIn);
            if (startedIn !== epoch) markDirty(); // begun under an earlier state: the status may say more now
          }
        },
      }));
    },
    onChange(handler) {
      handlers.push(handler);
    },
    async run(signal) {
      // started while leading, as the informers are: a cache that never lists (no CRD, no RBAC)
      // gives an unknown state, reconciled as engaged, rather than no reconcile at all
      const slow = setTimeout(() => void fallBackToUnknown().catch((error) => logger.error("kill switch: the unknown state not taken", errorFields(error))), unknownAfterMs);
      slow.unref();
      const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await Promise.race([synced, aborted]); // no longer leading ends the wait too
      clearTimeout(slow);
      let wake: (() => void) | undefined;
      let pending = true;
      dirty = () => {
        pending = true;
        wake?.();
      };
      while (!signal.aborted) {
        if (!pending) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        wake = undefined;
        if (signal.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, debounceMs));
        pending = false;
        try {
          await writeStatus();
        } catch (error) {
          logger.warn("kill switch status not written; retrying", errorFields(error));
          pending = true;
          await Promise.race([new Promise((resolve) => setTimeout(resolve, 1000)), aborted]);
        }
      }
      dirty = undefined;
      setRecovering(false); // not leading: nothing of this manager's recovers
    },
  };
}

/** Queues every cached object of each controller's resource on `enqueue` (the switch changed). */
export function requeueAll(informers: InformerSet, controllers: readonly ManagedController[], enqueue: (controller: ManagedController, key: { namespace: string; name: string }) => void): void {
  for (const controller of controllers) {
    const resource: WatchedResource = controller.resource;
    for (const obj of informers.informer(resource).list()) enqueue(controller, objectKeyOf(obj));
  }
}
