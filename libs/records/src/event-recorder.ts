import { randomBytes } from "node:crypto";
import type { CoreV1Api, CoreV1Event } from "@kubernetes/client-node";
import type { ChaosObject } from "@faultline/impl-registry";

/** A Kubernetes Event about a chaos object. */
export interface ChaosEvent {
  type: "Normal" | "Warning";
  /** CamelCase, e.g. `Applied`, `Failed`, `FinalizerInited`. */
  reason: string;
  message: string;
}

/** Records Events about chaos objects. Failures to record are the recorder's to report, never thrown. */
export interface EventRecorder {
  record(obj: ChaosObject, event: ChaosEvent): Promise<void>;
}

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
  onError?: (error: unknown, event: ChaosEvent, obj: ChaosObject) => void;
}

/** What {@link createKubernetesEventRecorder} logs through: a winston logger's `warn`, or the like. */
export interface EventRecorderLogger {
  warn(message: string, fields: { [key: string]: unknown }): unknown;
}

/** The fields of an Event that could not be written: what, about which object, and why. */
export function eventFailureFields(error: unknown, event: ChaosEvent, obj: ChaosObject): { [key: string]: unknown } {
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

/** An {@link EventRecorder} that writes core/v1 Events in the object's namespace. */
export function createKubernetesEventRecorder(core: CoreV1Api, options: KubernetesEventRecorderOptions = {}): EventRecorder {
  const component = options.component ?? "faultline-manager";
  const instance = options.instance ?? process.env.HOSTNAME ?? "faultline";
  const logger = options.logger ?? stderrLogger;
  const onError =
    options.onError ?? ((error: unknown, event: ChaosEvent, obj: ChaosObject) => logger.warn("event not recorded", eventFailureFields(error, event, obj)));
  return {
    async record(obj, event) {
      const namespace = obj.metadata.namespace ?? "default";
      const now = new Date();
      const body: CoreV1Event = {
        metadata: { name: `${obj.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString("hex")}`, namespace },
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
      try {
        await core.createNamespacedEvent({ namespace, body });
      } catch (error) {
        try {
          onError(error, event, obj);
        } catch {
          // a failing error handler must not turn a lost Event into a failed reconcile
        }
      }
    },
  };
}
