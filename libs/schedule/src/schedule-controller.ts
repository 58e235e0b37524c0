import { chaosApiVersion, chaosGroup, chaosVersion, controllerReference, isControlledBy, isObjectNotFound, killSwitchMessage, killSwitchReason, pauseAnnotation, type KillSwitchState } from "@faultline/api";
import { embeddedChaos, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { errorFields, type EventRecorder, type Logger, type ManagedController, type ObjectKey, type ReconcileResult, type WatchedResource } from "@faultline/controller";
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from "@kubernetes/client-node";
import { isChaosFinished, isWorkflowFinished, type SpawnedObject } from "./chaos-finished.js";
import { childName, managedByValue } from "./child-naming.js";
import { managedByLabel, scheduleSlotAnnotation } from "./schedule-names.js";
import { parseSchedule, ScheduleParseError, type CronSchedule } from "./cron-schedule.js";
import { latestDueSlot, mostRecentMissedRun, tooManyMissedRunsMessage } from "./missed-runs.js";
import { defaultHistoryLimit, workflowScheduleType } from "./schedule-crd.js";
import type { Schedule, ScheduleCondition, ScheduleObjectMeta, ScheduleObjectReference, ScheduleStatus } from "./schedule-types.js";

/** The Schedule resource (`schedules.chaos-mesh.org`). */
export const scheduleResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "schedules", kind: "Schedule" };

/** The Workflow resource a Schedule of `type: Workflow` spawns. */
export const workflowResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "workflows", kind: "Workflow" };

/** What {@link createScheduleController} needs. */
export interface ScheduleControllerDeps {
  customObjects: CustomObjectsApi;
  events: EventRecorder;
  logger: Logger;
  /** The chaos kinds a Schedule may spawn (its `type`s besides Workflow). */
  kinds: readonly ChaosKindDefinition[];
  /** The clock; default the system's. */
  now?: () => Date;
  /**
   * The cluster-wide kill switch now; while engaged no run is spawned and the Paused condition says
   * so (reason `KillSwitch`). The caller queues every Schedule again when it changes.
   */
  killSwitch?: () => KillSwitchState;
}

/** The longest wait a reconcile asks for; the next run is looked at again after it at the latest. */
const maxRequeueMs = 60 * 60 * 1000;

/** What one `type` spawns: its field in the spec, its resource, and when one of its objects is over. */
interface Template {
  type: string;
  field: string;
  resource: WatchedResource;
  finished(obj: SpawnedObject): boolean;
}

interface Child {
  obj: SpawnedObject & { metadata: ScheduleObjectMeta };
  template: Template;
  finished: boolean;
}

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const iso = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");
const timeOf = (value: string | Date | undefined) => (value === undefined ? undefined : new Date(value));

/**
 * The Schedule controller, as the manager runs it (a {@link ManagedController}): on each due slot
 * of `spec.schedule` it creates one object from the template (`type` and its embedded spec) with
 * Kubernetes CronJob's rules, as Chaos Mesh does — at most one run per reconcile however many were
 * missed, `startingDeadlineSeconds` skipping stale ones, more than 100 missed an error,
 * `concurrencyPolicy: Forbid` waiting for unfinished children — keeps `status.active`,
 * `status.time` and the history (`historyLimit`), and propagates the pause annotation.
 *
 * Each slot is spawned at most once, across restarts: the child's name derives from the
 * Schedule's name and the slot (a second create gets 409), and `status.time` is written after.
 *
 * @example
 * const runner = new ControllerRunner({ kubeConfig, controllers: [createScheduleController({ customObjects, events, logger, kinds })] });
 */
export function createScheduleController(deps: ScheduleControllerDeps): ManagedController {
  const clock = deps.now ?? (() => new Date());
  const templates = new Map<string, Template>();
  for (const e of embeddedChaos(deps.kinds)) {
    templates.set(e.kind, {
      type: e.kind,
      field: e.field,
      resource: { group: chaosGroup, version: chaosVersion, plural: e.plural, kind: e.kind },
      finished: (obj) => isChaosFinished(obj, e.definition),
    });
  }
  templates.set(workflowScheduleType, { type: workflowScheduleType, field: "workflow", resource: workflowResource, finished: isWorkflowFinished });
  const log = (level: "info" | "warn" | "debug" | "error", message: string, schedule: Schedule, fields: { [key: string]: unknown } = {}) =>
    deps.logger[level](message, { component: "schedule-controller", schedule: `${schedule.metadata.namespace}/${schedule.metadata.name}`, ...fields });
  const event = (schedule: Schedule, type: "Normal" | "Warning", reason: string, message: string) => deps.events.record(schedule, { type, reason, message });

  async function listChildren(schedule: Schedule): Promise<Child[]> {
    const namespace = schedule.metadata.namespace!;
    const children: Child[] = [];
    for (const template of templates.values()) {
      // Any error, 404 too, fails the reconcile (retried): an API server that has just started can
      // answer 404 for a resource it serves (kubernetes/kubernetes#115241), and a Schedule that took
      // it for "no children" could start a run that Forbid forbids. Every kind the manager serves
      // has its CRD installed.
      const list = (await deps.customObjects.listNamespacedCustomObject({
        group: template.resource.group,
        version: template.resource.version,
        namespace,
        plural: template.resource.plural,
        labelSelector: `${managedByLabel}=${managedByValue(schedule.metadata.name!)}`,
      })) as { items?: SpawnedObject[] };
      for (const obj of (list.items ?? []) as Child["obj"][]) {
        if (!isControlledBy(obj, schedule.metadata.uid)) continue;
        children.push({ obj, template, finished: template.finished(obj) });
      }
    }
    // oldest first: by slot, then creation
    const order = (c: Child) => Date.parse(c.obj.metadata.annotations?.[scheduleSlotAnnotation] ?? String(c.obj.metadata.creationTimestamp ?? "")) || 0;
    return children.sort((a, b) => order(a) - order(b));
  }

  async function patchChild(child: Child, body: object): Promise<void> {
    const { resource } = child.template;
    await deps.customObjects.patchNamespacedCustomObject(
      { group: resource.group, version: resource.version, namespace: child.obj.metadata.namespace!, plural: resource.plural, name: child.obj.metadata.name!, body },
      mergePatch,
    );
  }

  // The Schedule's pause annotation, on every child (set while paused, removed after).
  async function propagatePause(schedule: Schedule, children: readonly Child[], paused: boolean): Promise<void> {
    for (const child of children) {
      if (child.obj.metadata.deletionTimestamp) continue;
      const childPaused = child.obj.metadata.annotations?.[pauseAnnotation] === "true";
      if (childPaused === paused) continue;
      try {
        await patchChild(child, { metadata: { annotations: { [pauseAnnotation]: paused ? "true" : null } } });
        log("info", paused ? "paused child" : "resumed child", schedule, { child: child.obj.metadata.name, kind: child.template.type });
      } catch (error) {
        if (!isObjectNotFound(error, child.obj.metadata.name)) throw error;
      }
    }
  }

  // The oldest finished children beyond historyLimit are deleted; unfinished ones are kept.
  async function pruneHistory(schedule: Schedule, children: readonly Child[]): Promise<Set<Child>> {
    const limit = schedule.spec.historyLimit ?? defaultHistoryLimit;
    const deleted = new Set<Child>();
    let excess = children.filter((c) => !c.obj.metadata.deletionTimestamp).length - limit;
    for (const child of children) {
      if (excess <= 0) break;
      if (!child.finished || child.obj.metadata.deletionTimestamp) continue;
      const { resource } = child.template;
      try {
        await deps.customObjects.deleteNamespacedCustomObject({
          group: resource.group,
          version: resource.version,
          namespace: child.obj.metadata.namespace!,
          plural: resource.plural,
          name: child.obj.metadata.name!,
          propagationPolicy: "Background",
        });
        log("info", "deleted finished child beyond the history limit", schedule, { child: child.obj.metadata.name, kind: child.template.type, historyLimit: limit });
      } catch (error) {
        if (!isObjectNotFound(error, child.obj.metadata.name)) throw error;
      }
      deleted.add(child);
      excess--;
    }
    return deleted;
  }

  const referenceOf = (obj: Child["obj"], template: Template): ScheduleObjectReference => ({
    apiVersion: chaosApiVersion,
    kind: template.type,
    name: obj.metadata.name!,
    namespace: obj.metadata.namespace!,
    ...(obj.metadata.uid && { uid: obj.metadata.uid }),
  });

  function withCondition(conditions: ScheduleCondition[], next: ScheduleCondition, now: Date): ScheduleCondition[] {
    const previous = conditions.find((c) => c.type === next.type);
    const lastTransitionTime = previous && previous.status === next.status && previous.lastTransitionTime ? previous.lastTransitionTime : iso(now);
    return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
  }

  async function writeStatus(schedule: Schedule, status: ScheduleStatus): Promise<void> {
    const current = schedule.status ?? {};
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const patch: { [field: string]: unknown } = {};
    for (const field of ["active", "time", "nextTime", "conditions"] as const) {
      if (!same(current[field], status[field])) patch[field] = status[field] ?? null;
    }
    if (Object.keys(patch).length === 0) return;
    await deps.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: chaosGroup,
        version: chaosVersion,
        namespace: schedule.metadata.namespace!,
        plural: scheduleResource.plural,
        name: schedule.metadata.name!,
        body: { status: patch },
      },
      mergePatch,
    );
  }

  async function spawn(schedule: Schedule, template: Template, slot: Date): Promise<{ obj: Child["obj"]; created: boolean }> {
    const name = childName(schedule.metadata.name!, slot);
    const namespace = schedule.metadata.namespace!;
    const owner = controllerReference(schedule);
    const body = {
      apiVersion: chaosApiVersion,
      kind: template.type,
      metadata: {
        name,
        namespace,
        labels: { [managedByLabel]: managedByValue(schedule.metadata.name!) },
        annotations: { [scheduleSlotAnnotation]: iso(slot) },
        ownerReferences: [owner],
      },
      spec: structuredClone(schedule.spec[template.field] ?? {}),
    };
    const { resource } = template;
    try {
      const obj = (await deps.customObjects.createNamespacedCustomObject({ group: resource.group, version: resource.version, namespace, plural: resource.plural, body })) as Child["obj"];
      return { obj, created: true };
    } catch (error) {
      if (codeOf(error) !== 409) throw error;
    }
    // created before (a restart between the create and the status write): the same run, not a second one
    const existing = (await deps.customObjects.getNamespacedCustomObject({ group: resource.group, version: resource.version, namespace, plural: resource.plural, name })) as Child["obj"];
    if (!isControlledBy(existing, schedule.metadata.uid)) {
      throw new Error(`${template.type} ${namespace}/${name} exists and is not this Schedule's: the run due at ${iso(slot)} cannot start`);
    }
    return { obj: existing, created: false };
  }

  async function reconcile(key: ObjectKey): Promise<ReconcileResult> {
    let schedule: Schedule;
    try {
      schedule = (await deps.customObjects.getNamespacedCustomObject({ group: chaosGroup, version: chaosVersion, namespace: key.namespace, plural: scheduleResource.plural, name: key.name })) as Schedule;
    } catch (error) {
      if (isObjectNotFound(error, key.name)) return {};
      throw error;
    }
    if (schedule.metadata.deletionTimestamp) return {};
    const now = clock();
    const paused = schedule.metadata.annotations?.[pauseAnnotation] === "true";

    const children = await listChildren(schedule);
    await propagatePause(schedule, children, paused);
    const killSwitch = deps.killSwitch?.();
    // while the kill switch holds them, children look finished (stopped, all recovered): none is pruned
    const deleted = killSwitch?.engaged ? new Set<Child>() : await pruneHistory(schedule, children);
    const live = children.filter((c) => !deleted.has(c) && !c.obj.metadata.deletionTimestamp);
    const active = live.filter((c) => !c.finished).map((c) => referenceOf(c.obj, c.template));
    const pausedCondition: ScheduleCondition = killSwitch?.engaged
      ? { type: "Paused", status: "True", reason: killSwitchReason, message: killSwitchMessage(killSwitch) }
      : paused
        ? { type: "Paused", status: "True", reason: "Paused", message: `annotation ${pauseAnnotation} is "true"` }
        : { type: "Paused", status: "False", reason: "NotPaused" };
    let conditions = withCondition(schedule.status?.conditions ?? [], pausedCondition, now);
    const status: ScheduleStatus = { active, ...(schedule.status?.time && { time: schedule.status.time }), conditions };

    const template = templates.get(schedule.spec.type);
    let cron: CronSchedule;
    try {
      if (!template) throw new Error(`unknown type ${JSON.stringify(schedule.spec.type)}: this manager knows ${[...templates.keys()].join(", ")}`);
      cron = parseSchedule(schedule.spec.schedule);
    } catch (error) {
      const reason = error instanceof ScheduleParseError ? "InvalidSchedule" : "InvalidType";
      const message = (error as Error).message;
      status.conditions = withCondition(conditions, { type: "Ready", status: "False", reason, message }, now);
      if (schedule.status?.conditions?.find((c) => c.type === "Ready")?.message !== message) await event(schedule, "Warning", "Failed", message);
      await writeStatus(schedule, status);
      return {}; // a change of the spec queues the Schedule again
    }
    conditions = withCondition(conditions, { type: "Ready", status: "True", reason: "Scheduled" }, now);
    status.conditions = conditions;

    const lastRun = timeOf(schedule.status?.time);
    if (killSwitch?.engaged) {
      // The runs due while the switch is engaged are skipped, not owed: status.time moves to the
      // latest of them (nothing spawned), so after a long engagement only later slots count as
      // missed — not hundreds of them, which CronJob's rule takes for TooManyMissedStartTimes.
      const latest = latestDueSlot(cron, lastRun ?? new Date(schedule.metadata.creationTimestamp ?? now), now);
      if (latest) {
        status.time = iso(latest);
        // one message while engaged, so the recorder counts the skipped slots on one Event
        await event(schedule, "Normal", killSwitchReason, `runs are skipped while ${killSwitchMessage(killSwitch)}`);
        log("info", "run skipped: the kill switch is engaged", schedule, { slot: iso(latest) });
      }
      // looked at again well before 100 slots have passed (or at the longest wait)
      let ahead = cron.next(now);
      for (let i = 0; i < 50 && ahead; i++) ahead = cron.next(ahead);
      await writeStatus(schedule, status); // no next run while engaged
      return { requeueAfterMs: ahead ? Math.min(maxRequeueMs, Math.max(1000, ahead.getTime() - now.getTime())) : maxRequeueMs };
    }
    if (paused) {
      await writeStatus(schedule, status); // no next run while paused
      return {};
    }

    const runs = mostRecentMissedRun(cron, {
      ...(lastRun && { lastRun }),
      created: new Date(schedule.metadata.creationTimestamp ?? now),
      now,
      startingDeadlineSeconds: schedule.spec.startingDeadlineSeconds ?? null,
    });
    const requeue = (): ReconcileResult => (runs.next ? { requeueAfterMs: Math.min(maxRequeueMs, Math.max(0, runs.next.getTime() - now.getTime())) } : {});
    if (runs.next) status.nextTime = iso(runs.next);
    if (runs.skippedSince) {
      await event(schedule, "Warning", "MissedSchedule", `runs due since ${iso(runs.skippedSince)} were skipped: more than ${schedule.spec.startingDeadlineSeconds}s late (startingDeadlineSeconds)`);
    }
    if (runs.tooMany) {
      status.conditions = withCondition(conditions, { type: "Ready", status: "False", reason: "TooManyMissedStartTimes", message: tooManyMissedRunsMessage }, now);
      await event(schedule, "Warning", "Failed", tooManyMissedRunsMessage);
      log("warn", "too many missed runs", schedule, {});
      await writeStatus(schedule, status);
      return {}; // as CronJob: nothing starts until the spec changes (a deadline) or the clock is fixed
    }
    if (!runs.missed) {
      await writeStatus(schedule, status);
      return requeue();
    }
    const slot = runs.missed;
    if (runs.stale) {
      await event(schedule, "Warning", "MissedSchedule", `the run due at ${iso(slot)} was skipped: more than ${schedule.spec.startingDeadlineSeconds}s late (startingDeadlineSeconds)`);
      await writeStatus(schedule, status);
      return requeue();
    }
    const name = childName(schedule.metadata.name!, slot);
    const already = live.find((c) => c.obj.metadata.name === name);
    if (!already && (schedule.spec.concurrencyPolicy ?? "Forbid") !== "Allow") {
      const running = live.find((c) => !c.finished);
      if (running) {
        // one message for every slot that waits on this child, so the recorder counts its repeats
        // on one Event instead of writing an Event a slot (a Schedule every second, a long child)
        await event(schedule, "Normal", "ScheduleForbid", `runs wait: ${running.template.type} ${running.obj.metadata.name} is not finished (concurrencyPolicy Forbid)`);
        log("debug", "run waits (Forbid)", schedule, { slot: iso(slot), running: running.obj.metadata.name });
        await writeStatus(schedule, status);
        return requeue();
      }
    }
    const spawned = already ? { obj: already.obj, created: false } : await spawn(schedule, template!, slot);
    if (spawned.created) {
      await event(schedule, "Normal", "Spawned", `created ${template!.type} ${spawned.obj.metadata.name} for the run due at ${iso(slot)}`);
      log("info", "spawned", schedule, { child: spawned.obj.metadata.name, kind: template!.type, slot: iso(slot) });
    } else {
      log("info", "run already spawned, recording it", schedule, { child: spawned.obj.metadata.name, kind: template!.type, slot: iso(slot) });
    }
    if (!status.active!.some((r) => r.name === spawned.obj.metadata.name)) status.active!.push(referenceOf(spawned.obj, template!));
    if (!lastRun || slot > lastRun) status.time = iso(slot);
    try {
      await writeStatus(schedule, status);
    } catch (error) {
      // the child exists: the next reconcile finds it by name and records the run, it does not spawn again
      log("warn", "status not written after a spawn", schedule, { child: spawned.obj.metadata.name, ...errorFields(error) });
      throw error;
    }
    return requeue();
  }

  return {
    name: "schedules",
    resource: scheduleResource,
    owns: [...templates.values()].map((t) => t.resource),
    reconcile,
  };
}
