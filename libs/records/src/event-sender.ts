import type { ChaosObject } from "@faultline/impl-registry";
import type { ChaosEvent, EventRecorder } from "@faultline/controller";

/** Sends one Event without waiting for it. */
export type SendEvent = (obj: ChaosObject, type: ChaosEvent["type"], reason: string, message: string) => void;

/** One reconcile's Events: sent at once, never holding the work; waited for (bounded) when it ends. */
export interface EventSender {
  send: SendEvent;
  /** Resolves once every Event sent so far settled, or after `ms`, whichever comes first. */
  settled(ms: number): Promise<void>;
}

/**
 * Events never hold the pipeline: each is sent at once and the reconcile goes on; when it ends, it
 * waits for them at most a bound. Awaiting each in turn made a reconcile last minutes while the API
 * server hung requests (an outage, a frozen server): every Event waited for its request timeout.
 * Events are best effort: a recorder that throws (against its contract) neither ends a reconcile
 * half-way nor leaves a rejection without an owner.
 */
export function createEventSender(events: EventRecorder): EventSender {
  const sent: Promise<void>[] = [];
  const emit = async (obj: ChaosObject, event: ChaosEvent): Promise<void> => {
    try {
      await events.record(obj, event);
    } catch {
      // the recorder reports its own failures (EventRecorder's contract); nothing to add here
    }
  };
  return {
    send: (obj, type, reason, message) => void sent.push(emit(obj, { type, reason, message })),
    async settled(ms) {
      if (sent.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      try {
        await Promise.race([Promise.allSettled(sent), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
