import { isObjectNotFound, truncateMessage } from "@faultline/api";
import { randomBytes } from "node:crypto";
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CoreV1Event } from "@kubernetes/client-node";
import { EventSeriesCache } from "./event-series-cache.js";

/** A Kubernetes Event about an object a controller reconciles (a chaos object, a Schedule, a Workflow, …). */
export interface ChaosEvent {
  type: "Normal" | "Warning";
  /** CamelCase, e.g. `Applied`, `Failed`, `FinalizerInited`. */
  reason: string;
  message: string;
}

/**
 * What an Event is about: any Kubernetes object (a chaos object, a Schedule, a pod), read for its
 * identity only (`involvedObject` and the key that aggregates repeats).
 */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** Records Events about the objects a controller reconciles. Failures to record are the recorder's to report, never thrown. */
export interface EventRecorder {
  record(obj: InvolvedObject, event: ChaosEvent): Promise<void>;
}

/** The longest Event message the recorder writes, in characters (the events.k8s.io API caps a note at 1 KiB). */
export const maxEventMessageLength = 1024;

/** Options of {@link createKubernetesEventRecorder}. */
export interface KubernetesEventRecorderOptions {
  /** `source.component` and `reportingComponent`; default `faultline-manager`. */
  component?: string;
  /** `reportingInstance`, e.g. the pod name; default the host name. */
  instance?: string;
  /**
   * Where a failure to write an Event is logged, as a structured `warn` line (a winston logger
   * fits). Default: one JSON line on stderr.
   */
  logger?: EventRecorderLogger;
  /** Called when an Event cannot be written, instead of logging it through `logger`. */
  onError?: (error: unknown, event: ChaosEvent, obj: InvolvedObject) => void;
  /** How many distinct Events are remembered for aggregating their repeats; default 4096. */
  seriesCacheSize?: number;
}

/** What {@link createKubernetesEventRecorder} logs through: a winston logger's `warn`, or the like. */
export interface EventRecorderLogger {
  warn(message: string, fields: { [key: string]: unknown }): unknown;
}

/** The fields of an Event that could not be written: what, about which object, and why. */
export function eventFailureFields(error: unknown, event: ChaosEvent, obj: InvolvedObject): { [key: string]: unknown } {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  return {
    component: "event-recorder",
    reason: event.reason,
    eventType: event.type,
    object: `${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`,
    error: error instanceof Error ? error.message : String(error),
    ...(typeof (error as { code?: unknown })?.code === "number" && { code: (error as { code: number }).code }),
    ...(cause?.code !== undefined && { cause: String(cause.code) }),
  };
}

const stderrLogger: EventRecorderLogger = {
  warn: (message, fields) => process.stderr.write(`${JSON.stringify({ level: "warn", message, timestamp: new Date().toISOString(), ...fields })}\n`),
};


/** RFC 3339 to the second, as the API server stores Event timestamps. */
const rfc3339 = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * An {@link EventRecorder} that writes core/v1 Events in the object's namespace, as client-go's
 * recorder does: a repeat of an Event (same object, type, reason and message) raises the first
 * Event's `count` and `lastTimestamp` instead of creating another Event object, and every message
 * is cut to {@link maxEventMessageLength} characters.
 */
export function createKubernetesEventRecorder(core: CoreV1Api, options: KubernetesEventRecorderOptions = {}): EventRecorder {
  const component = options.component ?? "faultline-manager";
  const instance = options.instance ?? process.env.HOSTNAME ?? "faultline";
  const logger = options.logger ?? stderrLogger;
  const onError =
    options.onError ?? ((error: unknown, event: ChaosEvent, obj: InvolvedObject) => logger.warn("event not recorded", eventFailureFields(error, event, obj)));
  const report = (error: unknown, event: ChaosEvent, obj: InvolvedObject) => {
    try {
      onError(error, event, obj);
    } catch {
      // a failing error handler must not turn a lost Event into a failed reconcile
    }
  };
  const seen = new EventSeriesCache(options.seriesCacheSize ?? 4096);
  // writes of one series go one after another, so two repeats at once cannot both create an Event
  const writing = new Map<string, Promise<void>>();

  async function create(obj: InvolvedObject, event: ChaosEvent, key: string, now: Date): Promise<void> {
    const namespace = obj.metadata.namespace ?? "default";
    const name = `${obj.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString("hex")}`;
    const body: CoreV1Event = {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component },
      reportingComponent: component,
      reportingInstance: instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await core.createNamespacedEvent({ namespace, body });
    seen.set(key, { namespace, name, count: 1, firstTimestamp: now });
  }

  async function write(obj: InvolvedObject, event: ChaosEvent, key: string): Promise<void> {
    const now = new Date();
    const series = seen.get(key);
    try {
      if (series) {
        // counted before the write, so a repeat lost to a failed patch still shows in the next count
        series.count += 1;
        try {
          await core.patchNamespacedEvent(
            { namespace: series.namespace, name: series.name, body: { count: series.count, lastTimestamp: rfc3339(now) } },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          );
          return;
        } catch (error) {
          if (!isObjectNotFound(error, series.name)) throw error;
          // the Event expired (the API server's event TTL) or was deleted: start a new series
          seen.delete(key);
        }
      }
      await create(obj, event, key, now);
    } catch (error) {
      report(error, event, obj);
    }
  }

  return {
    record(obj, event) {
      const bounded: ChaosEvent = { ...event, message: truncateMessage(event.message, maxEventMessageLength) };
      const key = EventSeriesCache.key(
        { uid: obj.metadata.uid, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name },
        bounded.type,
        bounded.reason,
        bounded.message,
      );
      const next = (writing.get(key) ?? Promise.resolve()).then(() => write(obj, bounded, key));
      writing.set(key, next);
      void next.then(() => {
        if (writing.get(key) === next) writing.delete(key);
      });
      return next;
    },
  };
}
