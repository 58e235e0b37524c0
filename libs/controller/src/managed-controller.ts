import type { ObjectKey } from "./object-key.js";
import type { ReconcileResult } from "./work-queue.js";

/** A custom resource as a watch names it: API group, version, plural, and its kind. */
export interface WatchedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/**
 * One level-based controller of one resource, as the manager runs it (see {@link ControllerRunner}):
 * its objects are watched and each change queues `reconcile(key)`; a change of an object that one
 * of them owns (an `ownerReferences` entry with `controller: true` whose kind is the controller's)
 * queues the owner too, for each resource in `owns`. `reconcile` reads what it needs, acts,
 * and returns `requeueAfterMs` for what depends on the clock (a cron's next run, a deadline); a
 * thrown error is retried with backoff.
 */
export interface ManagedController {
  /** For logs, metrics and the work queue's name, e.g. "schedules". */
  name: string;
  resource: WatchedResource;
  /** Resources whose objects this controller's objects own; their changes queue the owner. */
  owns?: readonly WatchedResource[];
  /** `signal` aborts when the manager shuts down and the grace period is over. */
  reconcile(key: ObjectKey, signal?: AbortSignal): Promise<ReconcileResult>;
}
