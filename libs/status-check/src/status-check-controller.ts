import { isObjectNotFound } from "@faultline/api";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { errorFields, type ChaosEvent, type EventRecorder, type Logger, type ManagedController, type ObjectKey } from "@faultline/controller";
import { createDestinationPolicy, defaultRefusedDestinations } from "./destination-policy.js";
import { probeHttp, type HttpProbeResult } from "./http-probe.js";
import {
  nextStatusCheckStep,
  resolveStatusCheckSpec,
  withEvaluatedConditions,
  withProbeRecord,
  type StatusCheckEvaluation,
} from "./status-check-evaluation.js";
import {
  statusCheckReasons,
  statusCheckResource,
  type ResolvedStatusCheckSpec,
  type StatusCheck,
  type StatusCheckConditionType,
  type StatusCheckStatus,
} from "./status-check.js";

/** What {@link createStatusCheckController} needs. */
export interface StatusCheckControllerDeps {
  customObjects: CustomObjectsApi;
  events: EventRecorder;
  logger: Logger;
  /** The clock; default `() => new Date()`. */
  now?: () => Date;
  /**
   * Destinations no probe reaches (CIDR ranges); default {@link defaultRefusedDestinations}, the
   * cloud metadata addresses. A probe of one is a Failure naming the range, and sends nothing.
   */
  refusedDestinations?: readonly string[];
}

const { group, version, plural } = statusCheckResource;
const statusCode = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
/** Status writes retried on a conflict (someone else changed the object between read and write). */
const conflictRetries = 5;

/** The Events of conditions turning True, with Chaos Mesh's reasons and types. */
function crossingEvent(type: StatusCheckConditionType, evaluation: StatusCheckEvaluation): ChaosEvent {
  switch (type) {
    case "Completed":
      return { type: "Normal", reason: statusCheckReasons.completed, message: `status check completed: ${evaluation.completedReason ?? ""}` };
    case "DurationExceed":
      return { type: "Warning", reason: statusCheckReasons.durationExceed, message: "duration exceeded" };
    case "FailureThresholdExceed":
      return { type: "Warning", reason: statusCheckReasons.failureThresholdExceed, message: "failure threshold exceeded" };
    case "SuccessThresholdExceed":
      return { type: "Normal", reason: statusCheckReasons.successThresholdExceed, message: "success threshold exceeded" };
  }
}

/**
 * The StatusCheck controller: level-based, one probe per reconcile at most. Each reconcile reads the
 * object and does the step its persisted status calls for ({@link nextStatusCheckStep}): write the
 * start; wait (`requeueAfterMs` until the next probe or the end of `duration`); probe once with
 * Node's fetch (timeout `timeoutSeconds`) and write the record, the count and the conditions in one
 * status write; or write the completion. A completed or deleted check is never probed again, and a
 * manager restart continues from the status.
 *
 * Events: a Warning `StatusCheckExecutionFailed` per failed probe with its reason (repeats of the
 * same reason aggregate into one Event's count), `StatusCheckExecutionSucceed` on the first success
 * and on the first after a failure, and one Event each time a condition turns True
 * (`StatusCheckDurationExceed`, `StatusCheckFailureThresholdExceed`,
 * `StatusCheckSuccessThresholdExceed`, `StatusCheckCompleted` with the reason).
 *
 * @example
 * const controller = createStatusCheckController({ customObjects, events, logger });
 * const runner = new ControllerRunner({ kubeConfig, controllers: [controller] });
 * await runner.start();
 */
export function createStatusCheckController(deps: StatusCheckControllerDeps): ManagedController {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger;
  const destinations = createDestinationPolicy(deps.refusedDestinations ?? defaultRefusedDestinations);

  const read = async (key: ObjectKey): Promise<StatusCheck | undefined> => {
    try {
      return (await deps.customObjects.getNamespacedCustomObject({ group, version, plural, namespace: key.namespace, name: key.name })) as StatusCheck;
    } catch (error) {
      if (isObjectNotFound(error, key.name)) return undefined;
      throw error;
    }
  };

  /**
   * Writes `change(status)` through the status subresource with the resourceVersion read; on a
   * conflict re-reads and applies the change to the fresh status (unless that one is complete).
   * Answers the written object, or undefined when the object is gone or already complete.
   */
  const writeStatus = async (
    first: StatusCheck,
    change: (obj: StatusCheck, spec: ResolvedStatusCheckSpec) => { status: StatusCheckStatus; evaluation: StatusCheckEvaluation } | undefined,
  ): Promise<{ obj: StatusCheck; evaluation: StatusCheckEvaluation } | undefined> => {
    let obj: StatusCheck | undefined = first;
    for (let attempt = 0; ; attempt++) {
      const changed = change(obj, resolveStatusCheckSpec(obj.spec));
      if (!changed) return undefined;
      try {
        const written = (await deps.customObjects.replaceNamespacedCustomObjectStatus({
          group,
          version,
          plural,
          namespace: obj.metadata.namespace ?? "",
          name: obj.metadata.name ?? "",
          body: { ...obj, status: changed.status },
        })) as StatusCheck;
        return { obj: written, evaluation: changed.evaluation };
      } catch (error) {
        if (isObjectNotFound(error, obj.metadata.name)) return undefined;
        if (statusCode(error) !== 409 || attempt >= conflictRetries) throw error;
        obj = await read({ namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" });
        if (!obj) return undefined;
      }
    }
  };

  const announce = async (obj: StatusCheck, evaluation: StatusCheckEvaluation, probe?: HttpProbeResult, previousOutcome?: string) => {
    const target = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec };
    if (probe?.outcome === "Failure") {
      await deps.events.record(target, { type: "Warning", reason: statusCheckReasons.executionFailed, message: `HTTP execution of status check failed: ${probe.message}` });
    } else if (probe?.outcome === "Success" && previousOutcome !== "Success") {
      await deps.events.record(target, { type: "Normal", reason: statusCheckReasons.executionSucceed, message: "HTTP execution of status check succeeded" });
    }
    // the threshold and duration crossings first, the completion they cause last
    const order: StatusCheckConditionType[] = ["DurationExceed", "FailureThresholdExceed", "SuccessThresholdExceed", "Completed"];
    for (const type of order) if (evaluation.crossed.includes(type)) await deps.events.record(target, crossingEvent(type, evaluation));
  };

  const log = (obj: StatusCheck) => ({ component: "statuscheck", statusCheck: `${obj.metadata.namespace}/${obj.metadata.name}` });

  async function reconcile(key: ObjectKey): Promise<{ requeueAfterMs?: number }> {
    const obj = await read(key);
    // deleted (or being deleted): nothing holds it, nothing more to probe
    if (!obj || obj.metadata.deletionTimestamp !== undefined) return {};
    const spec = resolveStatusCheckSpec(obj.spec);
    const step = nextStatusCheckStep(spec, obj.status, now());
    switch (step.step) {
      case "done":
        return {};
      case "wait":
        return { requeueAfterMs: step.delayMs };
      case "start":
      case "complete": {
        const written = await writeStatus(obj, (fresh, freshSpec) => {
          const at = now();
          const next = nextStatusCheckStep(freshSpec, fresh.status, at).step;
          return next === "start" || next === "complete" ? withEvaluatedConditions(freshSpec, fresh.status ?? {}, at) : undefined;
        });
        if (!written) return {};
        await announce(written.obj, written.evaluation);
        if (written.evaluation.completedReason !== undefined) {
          logger.info("status check completed", { ...log(obj), reason: written.evaluation.completedReason, count: written.obj.status?.count ?? 0 });
          return {};
        }
        logger.debug("status check started", log(obj));
        return { requeueAfterMs: spec.intervalMs };
      }
      case "probe": {
        if (!obj.spec.http) {
          // the CRD requires http; an object without it (stored before the CRD did) cannot be probed
          logger.warn("status check has no http check to run", log(obj));
          return {};
        }
        const startTime = now();
        const probe = await probeHttp(obj.spec.http, { timeoutMs: spec.timeoutMs, destinations });
        const previousOutcome = obj.status?.records?.at(-1)?.outcome;
        logger.debug("status check probed", { ...log(obj), outcome: probe.outcome, message: probe.message, latencyMs: probe.latencyMs });
        const record = { startTime: startTime.toISOString(), outcome: probe.outcome };
        const written = await writeStatus(obj, (fresh, freshSpec) => {
          // on a conflict the fresh copy may have completed meanwhile, or already hold this probe
          if (nextStatusCheckStep(freshSpec, fresh.status, startTime).step !== "probe") return undefined;
          return withProbeRecord(freshSpec, fresh.status ?? {}, record, now());
        });
        if (!written) return {};
        await announce(written.obj, written.evaluation, probe, previousOutcome);
        if (written.evaluation.completedReason !== undefined) {
          logger.info("status check completed", { ...log(obj), reason: written.evaluation.completedReason, count: written.obj.status?.count ?? 0 });
          return {};
        }
        const after = nextStatusCheckStep(resolveStatusCheckSpec(written.obj.spec), written.obj.status, now());
        return after.step === "wait" ? { requeueAfterMs: after.delayMs } : { requeueAfterMs: 0 };
      }
    }
  }

  return {
    name: "statuschecks",
    resource: statusCheckResource,
    async reconcile(key) {
      try {
        return await reconcile(key);
      } catch (error) {
        logger.warn("status check reconcile failed", { component: "statuscheck", statusCheck: `${key.namespace}/${key.name}`, ...errorFields(error) });
        throw error;
      }
    },
  };
}
