// Nothing the daemon injects outlives its record: the manager's periodic sweep of injections whose
// experiment is gone (a finalizer removed by hand, the forced-finalizer annotation) or no longer
// holds them. The finding and undoing is each kind's (`ChaosImpl.sweep`); this module asks every
// kind, answers their "does the experiment still hold this record?" from the API server, records an
// Event on each swept pod and counts what was swept.
import { resourceOf, type ChaosKind, type ChaosObject, type InjectionOwner, type SweepContext, type SweptInjection } from "@faultline/impl-registry";
import type { DaemonClientPool } from "@faultline/daemon-client";
import type { V1Pod } from "@kubernetes/client-node";
import { Counter, type Registry } from "prom-client";
import type { ChaosObjectClient, ChaosResource } from "./chaos-object-client.js";
import type { EventRecorder } from "@faultline/controller";

/** What {@link createInjectionSweeper} needs. */
export interface InjectionSweeperOptions {
  /** The kinds served; those whose impl has `sweep` are swept. */
  kinds: { list(): ChaosKind[] };
  /** Reads one experiment now, records in RecordShards included (the pipeline's sharded client). */
  objects: ChaosObjectClient;
  /** Every object of a resource in the cluster, read now: finds an experiment a marker names by uid only. */
  listObjects(resource: ChaosResource): Promise<ChaosObject[]>;
  /** Every pod in the cluster (the manager's pod watch). */
  listPods(): Promise<V1Pod[]>;
  daemons: DaemonClientPool;
  /** Where the Event on each swept pod goes. */
  events: EventRecorder;
  /** Counts `faultline_manager_swept_injections_total{kind}` here when given. */
  registry?: Registry;
  log(level: "info" | "warn", message: string, fields: { [key: string]: unknown }): void;
}

/** What one pass found (a dry run) or swept, and what went wrong on the way. */
export interface SweepPass {
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  /** The kinds whose sweep answered (those that failed are in `errors`). */
  kinds: string[];
  /** What each kind swept (or, in a dry run, found), in the order the kinds answered. */
  found: { kind: string; injection: SweptInjection }[];
  /**
   * What the pass could not do, one line each, `<Kind>: <what> (<error>)`: a kind whose sweep
   * failed, and what a kind logged with an `error` field (a node it could not list, an injection it
   * could not recover). The next pass tries again.
   */
  errors: string[];
}

/** The sweeper: one pass, or passes on a timer. */
export interface InjectionSweeper {
  /** One pass over every kind with a `sweep`; what each swept. A kind that fails is logged and skipped. */
  sweepOnce(signal: AbortSignal): Promise<Map<string, SweptInjection[]>>;
  /**
   * One pass, `dryRun` to find only (no recovery, no Event, no count): what it found or swept and
   * its errors. Passes run one at a time; a request while a pass of the same sort is running or
   * waiting joins it.
   */
  pass(signal: AbortSignal, options: { dryRun: boolean }): Promise<SweepPass>;
  /**
   * A pass now and then every `intervalMs` until `signal` aborts; resolves then. `intervalMs` 0
   * (`--sweep-interval-seconds 0`) runs none: sweeps happen only when asked for ({@link pass}).
   */
  run(signal: AbortSignal, intervalMs: number): Promise<void>;
}

/** The Event reason on a pod whose injection was swept. */
export const injectionSweptReason = "InjectionSwept";

/**
 * `holds` for one kind and one pass: the experiment is found by namespace/name when the marker names
 * them, else by uid in a list of the kind made now (listed once a pass, and again before an unknown
 * uid is called gone, so an experiment created since the list is not mistaken for a gone one); then
 * it is read now through `objects` (its RecordShards included), and holds the record when its uid is
 * the marker's and one of its records has that id, whatever the record's phase: a record the
 * pipeline still has is the pipeline's to recover.
 */
export function createHoldsCheck(kind: ChaosKind, objects: ChaosObjectClient, listObjects: (resource: ChaosResource) => Promise<ChaosObject[]>): SweepContext["holds"] {
  const resource = resourceOf(kind);
  let byUid: Map<string, ChaosObject> | undefined;
  const list = async () => (byUid = new Map((await listObjects(resource)).map((o) => [o.metadata.uid ?? "", o])));
  const locate = async (owner: InjectionOwner): Promise<{ namespace: string; name: string } | undefined> => {
    if (owner.namespace !== undefined && owner.name !== undefined) return { namespace: owner.namespace, name: owner.name };
    let found = (byUid ?? (await list())).get(owner.uid);
    if (!found) found = (await list()).get(owner.uid);
    return found && { namespace: found.metadata.namespace ?? "", name: found.metadata.name ?? "" };
  };
  return async (owner, recordId) => {
    if (!owner.uid) throw new Error(`${kind.kind}: an injection marker names no experiment uid (record ${recordId}): not swept`);
    const where = await locate(owner);
    if (!where) return false;
    const obj = await objects.get(resource, where.namespace, where.name);
    if (!obj || obj.metadata.uid !== owner.uid) return false;
    return (obj.status?.experiment?.containerRecords ?? []).some((r) => r.id === recordId);
  };
}

/**
 * The manager's sweeper. Each pass calls every kind's `sweep` with a fresh {@link SweepContext}, one
 * kind after another; each injection swept gets a `Normal` `InjectionSwept` Event on its pod, a log
 * line and a count in `faultline_manager_swept_injections_total{kind}`. A dry run (`pass(signal,
 * { dryRun: true })`, the manager's status) asks the same of every kind and changes nothing.
 *
 * @example
 * const sweeper = createInjectionSweeper({ kinds, objects, listObjects, listPods, daemons, events, registry, log });
 * void sweeper.run(leaderSignal, 60_000);
 */
export function createInjectionSweeper(options: InjectionSweeperOptions): InjectionSweeper {
  const swept = new Counter({
    name: "faultline_manager_swept_injections_total",
    help: "Injections the manager's sweeper recovered because their experiment was gone or no longer held them",
    labelNames: ["kind"],
    registers: options.registry ? [options.registry] : [],
  });
  async function pass(signal: AbortSignal, dryRun: boolean): Promise<SweepPass> {
    const startedAt = new Date();
    const found: SweepPass["found"] = [];
    const errors: string[] = [];
    const answered: string[] = [];
    for (const kind of options.kinds.list()) {
      if (!kind.impl.sweep || signal.aborted) continue;
      const ctx: SweepContext = {
        signal,
        dryRun,
        holds: createHoldsCheck(kind, options.objects, options.listObjects),
        listPods: options.listPods,
        daemons: options.daemons,
        log: (message, fields) => {
          if (fields["error"] !== undefined) errors.push(`${kind.kind}: ${message} (${String(fields["error"])})`);
          options.log("info", message, { kind: kind.kind, ...(dryRun && { dryRun }), ...fields });
        },
      };
      let done: SweptInjection[];
      try {
        done = await kind.impl.sweep(ctx);
      } catch (error) {
        errors.push(`${kind.kind}: sweep failed (${(error as Error).message})`);
        options.log("warn", "sweep failed: retried at the next pass", { kind: kind.kind, ...(dryRun && { dryRun }), error: (error as Error).message });
        continue;
      }
      answered.push(kind.kind);
      for (const injection of done) {
        found.push({ kind: kind.kind, injection });
        if (dryRun) continue;
        swept.inc({ kind: kind.kind });
        const owner = injection.owner.name !== undefined ? `${injection.owner.namespace}/${injection.owner.name} (uid ${injection.owner.uid})` : `uid ${injection.owner.uid}`;
        const message = `${kind.kind} ${owner} no longer holds this pod: removed its ${injection.what}`;
        options.log("info", "injection swept", { kind: kind.kind, pod: `${injection.pod.namespace}/${injection.pod.name}`, owner: injection.owner, what: injection.what });
        const pod: ChaosObject = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { namespace: injection.pod.namespace, name: injection.pod.name, ...(injection.pod.uid !== undefined && { uid: injection.pod.uid }) },
          spec: {},
        } as ChaosObject;
        await options.events.record(pod, { type: "Normal", reason: injectionSweptReason, message });
      }
    }
    return { dryRun, startedAt, finishedAt: new Date(), kinds: answered, found, errors };
  }

  // one pass at a time; a request while a pass of its sort runs or waits joins it (a timer firing
  // during a slow pass, a status refresh during another)
  let tail: Promise<unknown> = Promise.resolve();
  const pending = new Map<boolean, Promise<SweepPass>>();
  const passOnce = (signal: AbortSignal, dryRun: boolean): Promise<SweepPass> => {
    const joined = pending.get(dryRun);
    if (joined) return joined;
    const next = tail.then(() => pass(signal, dryRun)).finally(() => pending.delete(dryRun));
    tail = next.catch(() => undefined);
    pending.set(dryRun, next);
    return next;
  };
  const sweepOnce = async (signal: AbortSignal) => {
    const { kinds, found } = await passOnce(signal, false);
    return new Map(kinds.map((kind) => [kind, found.filter((f) => f.kind === kind).map((f) => f.injection)]));
  };

  return {
    sweepOnce,
    pass: (signal, { dryRun }) => passOnce(signal, dryRun),
    async run(signal, intervalMs) {
      if (intervalMs <= 0) return;
      while (!signal.aborted) {
        await sweepOnce(signal);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    },
  };
}
