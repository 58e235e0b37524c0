// The Schedule controller on an in-memory API (no cluster): what the kill switch does to its runs.
import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, type KillSwitchState } from "@faultline/api";
import { defineChaosKind } from "@faultline/chaos-kind";
import { silentLogger } from "@faultline/controller";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { createScheduleController } from "./schedule-controller.js";
import type { Schedule } from "./schedule-types.js";

const lasting = defineChaosKind({
  crd: defineChaosCrd({ kind: "LastingTestChaos", description: "a chaos kind for the Schedule's unit spec.", spec: Type.Object({ ...containerSelectorFields }) }),
  oneShot: false,
  selectorKind: "container",
  manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }),
});

/** One Schedule in memory: reads return it, status patches merge into it, creates are recorded. */
function fakeApi(schedule: Schedule) {
  const created: { metadata: { name: string } }[] = [];
  const events: { reason: string; message: string }[] = [];
  const customObjects = {
    getNamespacedCustomObject: async () => structuredClone(schedule),
    listNamespacedCustomObject: async () => ({ items: [] }),
    patchNamespacedCustomObjectStatus: async ({ body }: { body: { status: { [field: string]: unknown } } }) => {
      const status: { [field: string]: unknown } = { ...schedule.status };
      for (const [field, value] of Object.entries(body.status)) {
        if (value === null) delete status[field];
        else status[field] = value;
      }
      schedule.status = status;
      return schedule;
    },
    createNamespacedCustomObject: async ({ body }: { body: { metadata: { name: string } } }) => (created.push(body), { ...body, metadata: { ...body.metadata, uid: "child" } }),
  } as unknown as CustomObjectsApi;
  const recorder = { record: async (_obj: unknown, e: { reason: string; message: string }) => void events.push({ reason: e.reason, message: e.message }) };
  return { customObjects, events: recorder, created, eventList: events };
}

describe("the Schedule controller and the kill switch", () => {
  const created = "2026-12-06T08:00:00Z";
  const schedule = (): Schedule =>
    ({
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Schedule",
      metadata: { name: "every-minute", namespace: "ns", uid: "s1", creationTimestamp: created },
      spec: { schedule: "* * * * *", type: "LastingTestChaos", historyLimit: 5, concurrencyPolicy: "Forbid", lastingTestChaos: { mode: "all", selector: {} } },
      status: { time: "2026-12-06T09:00:00Z" },
    }) as unknown as Schedule;

  it("a long engagement leaves no missed runs behind: status.time follows the skipped slots, and after disengage the next slot runs (not TooManyMissedStartTimes)", async () => {
    const obj = schedule();
    const api = fakeApi(obj);
    let now = new Date("2026-12-06T12:00:30Z"); // three hours engaged: 180 slots of a schedule every minute
    let killSwitch: KillSwitchState = { engaged: true, reason: "incident 4711" };
    const controller = createScheduleController({ customObjects: api.customObjects, events: api.events, logger: silentLogger(), kinds: [lasting], now: () => now, killSwitch: () => killSwitch });
    const key = { namespace: "ns", name: "every-minute" };

    const engaged = await controller.reconcile(key, new AbortController().signal);
    expect(api.created).toEqual([]); // nothing starts while engaged
    expect(obj.status?.time).toBe("2026-12-06T12:00:00Z"); // the latest slot, skipped
    expect(api.eventList).toEqual([{ reason: "KillSwitch", message: "runs are skipped while the kill switch (killswitch/cluster) is engaged: incident 4711" }]);
    expect(obj.status?.conditions?.find((c) => c.type === "Paused")).toMatchObject({ status: "True", reason: "KillSwitch" });
    expect(engaged.requeueAfterMs).toBeGreaterThan(0); // looked at again while engaged, so the slots keep moving

    killSwitch = { engaged: false };
    now = new Date("2026-12-06T12:01:05Z");
    await controller.reconcile(key, new AbortController().signal);
    expect(obj.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "Scheduled" });
    expect(api.created.map((c) => c.metadata.name)).toHaveLength(1); // the slot due after disengage runs
    expect(obj.status?.time).toBe("2026-12-06T12:01:00Z");
  });
});
