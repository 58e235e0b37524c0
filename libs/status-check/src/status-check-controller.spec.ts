// The controller's steps that make no request to a target, against a fake API (the probes and the
// real API server are in status-check-controller.integration.spec.ts).
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { silentLogger, type ChaosEvent, type EventRecorder } from "@faultline/controller";
import { createStatusCheckController } from "./status-check-controller.js";
import type { StatusCheck } from "./status-check.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(t0 + s * 1000);

/** The API server's 404 for a missing object: its Status names it. */
const notFound = (name: string) =>
  Object.assign(new Error("not found"), { code: 404, body: { kind: "Status", reason: "NotFound", details: { name, group: "chaos-mesh.org", kind: "statuschecks" }, code: 404 } });

/** One stored StatusCheck; `conflicts` status writes fail with 409 first (and bump the object, as another writer would). */
function fakeApi(stored: StatusCheck | undefined, conflicts = 0) {
  const writes: StatusCheck[] = [];
  let object = stored && structuredClone(stored);
  let left = conflicts;
  const api = {
    getNamespacedCustomObject: async ({ name }: { name: string }) => {
      if (!object) throw notFound(name);
      return structuredClone(object);
    },
    replaceNamespacedCustomObjectStatus: async ({ body }: { body: StatusCheck }) => {
      if (!object) throw notFound(body.metadata.name ?? "");
      if (body.metadata.resourceVersion !== object.metadata.resourceVersion) throw Object.assign(new Error("conflict"), { code: 409 });
      if (left-- > 0) {
        object = { ...object, metadata: { ...object.metadata, resourceVersion: String(Number(object.metadata.resourceVersion) + 1) } };
        throw Object.assign(new Error("conflict"), { code: 409 });
      }
      writes.push(structuredClone(body));
      object = { ...body, metadata: { ...body.metadata, resourceVersion: String(Number(body.metadata.resourceVersion) + 1) } };
      return structuredClone(object);
    },
  };
  return { api: api as unknown as CustomObjectsApi, writes };
}

function recorder(): EventRecorder & { events: ChaosEvent[] } {
  const events: ChaosEvent[] = [];
  return { events, record: async (_obj, event) => void events.push(event) };
}

const check = (spec: object, status?: StatusCheck["status"]): StatusCheck => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "StatusCheck",
  metadata: { namespace: "shop", name: "health", resourceVersion: "1" },
  spec: { http: { url: "http://127.0.0.1:9/", criteria: { statusCode: "200" } }, intervalSeconds: 10, ...spec },
  ...(status && { status }),
});
const key = { namespace: "shop", name: "health" };

describe("createStatusCheckController", () => {
  it("watches statuschecks and owns nothing", () => {
    const controller = createStatusCheckController({ customObjects: fakeApi(undefined).api, events: recorder(), logger: silentLogger() });
    expect(controller).toMatchObject({ name: "statuschecks", resource: { group: "chaos-mesh.org", version: "v1alpha1", plural: "statuschecks", kind: "StatusCheck" } });
    expect(controller.owns).toBeUndefined();
  });

  it("does nothing for a deleted check", async () => {
    const controller = createStatusCheckController({ customObjects: fakeApi(undefined).api, events: recorder(), logger: silentLogger() });
    expect(await controller.reconcile(key)).toEqual({});
  });

  it("starts a check: startTime and four False conditions in one write, the first probe one interval later", async () => {
    const { api, writes } = fakeApi(check({}));
    const controller = createStatusCheckController({ customObjects: api, events: recorder(), logger: silentLogger(), now: () => at(0) });
    expect(await controller.reconcile(key)).toEqual({ requeueAfterMs: 10_000 });
    expect(writes).toHaveLength(1);
    expect(writes[0]!.status?.startTime).toBe(at(0).toISOString());
    expect(writes[0]!.status?.conditions?.map((c) => c.status)).toEqual(["False", "False", "False", "False"]);
  });

  it("on a conflict re-reads the object and writes again", async () => {
    const { api, writes } = fakeApi(check({}), 2);
    const controller = createStatusCheckController({ customObjects: api, events: recorder(), logger: silentLogger(), now: () => at(0) });
    await controller.reconcile(key);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.metadata.resourceVersion).toBe("3");
  });

  it("probes through its refused destinations: a refused one is a failed probe that sent nothing", async () => {
    const { api, writes } = fakeApi(check({ mode: "Continuous" }, { startTime: at(0).toISOString(), count: 0 }));
    const events = recorder();
    const controller = createStatusCheckController({ customObjects: api, events, logger: silentLogger(), now: () => at(10), refusedDestinations: ["127.0.0.0/8"] });
    await controller.reconcile(key);
    const refused = "GET http://127.0.0.1:9/: destination 127.0.0.1 is refused by the manager's StatusCheck policy (127.0.0.0/8); nothing was sent";
    expect(writes.at(-1)!.status?.records?.at(-1)).toMatchObject({ outcome: "Failure" });
    expect(events.events).toContainEqual({ type: "Warning", reason: "StatusCheckExecutionFailed", message: `HTTP execution of status check failed: ${refused}` });
  });

  it("waits, writing nothing, until the next probe is due", async () => {
    const { api, writes } = fakeApi(check({ mode: "Continuous" }, { startTime: at(0).toISOString(), records: [{ startTime: at(10).toISOString(), outcome: "Success" }], count: 1 }));
    const controller = createStatusCheckController({ customObjects: api, events: recorder(), logger: silentLogger(), now: () => at(13) });
    expect(await controller.reconcile(key)).toEqual({ requeueAfterMs: 7000 });
    expect(writes).toHaveLength(0);
  });

  it("completes a check whose duration passed, with DurationExceed then Completed Events", async () => {
    const { api, writes } = fakeApi(check({ mode: "Continuous", duration: "30s" }, { startTime: at(0).toISOString(), count: 0 }));
    const events = recorder();
    const controller = createStatusCheckController({ customObjects: api, events, logger: silentLogger(), now: () => at(30) });
    expect(await controller.reconcile(key)).toEqual({});
    expect(writes[0]!.status).toMatchObject({ completionTime: at(30).toISOString(), conditions: [{ type: "Completed", status: "True", reason: "StatusCheckDurationExceed" }, { type: "DurationExceed", status: "True" }, {}, {}] });
    expect(events.events).toEqual([
      { type: "Warning", reason: "StatusCheckDurationExceed", message: "duration exceeded" },
      { type: "Normal", reason: "StatusCheckCompleted", message: "status check completed: StatusCheckDurationExceed" },
    ]);
  });

  it("leaves a completed check alone", async () => {
    const done = check({}, { startTime: at(0).toISOString(), conditions: [{ type: "Completed", status: "True", reason: "StatusCheckSuccessThresholdExceed" }] });
    const { api, writes } = fakeApi(done);
    const controller = createStatusCheckController({ customObjects: api, events: recorder(), logger: silentLogger(), now: () => at(1000) });
    expect(await controller.reconcile(key)).toEqual({});
    expect(writes).toHaveLength(0);
  });
});
