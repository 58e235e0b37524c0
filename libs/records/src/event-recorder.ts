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
  /** Called when an Event cannot be written; default: a line on stderr. */
  onError?: (error: unknown, event: ChaosEvent) => void;
}

/** An {@link EventRecorder} that writes core/v1 Events in the object's namespace. */
export function createKubernetesEventRecorder(core: CoreV1Api, options: KubernetesEventRecorderOptions = {}): EventRecorder {
  const component = options.component ?? "faultline-manager";
  const instance = options.instance ?? process.env.HOSTNAME ?? "faultline";
  const onError =
    options.onError ?? ((error, event) => console.error(`event ${event.reason} not recorded: ${(error as Error).message}`));
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
        onError(error, event);
      }
    },
  };
}
