// The StatusCheck controller on the local cluster's real API server, run by ControllerRunner (as the
// manager runs it), probing real HTTP servers on 127.0.0.1 whose health the tests switch.
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { ControllerRunner, createKubernetesEventRecorder, silentLogger, type ManagedController } from "@faultline/controller";
import { eventually } from "@faultline/test-ground";
import { HttpTarget } from "./http-target.test-support.js";
import { statusCheckCluster, tableRows, type StatusCheckCluster } from "./local-cluster.test-support.js";
import { createStatusCheckController } from "./status-check-controller.js";
import { statusCheckResource, type StatusCheck } from "./status-check.js";

let cluster: StatusCheckCluster;
let core: CoreV1Api;
const targets: HttpTarget[] = [];
const runners: ControllerRunner[] = [];

beforeAll(async () => {
  cluster = await statusCheckCluster("statuscheck-ctl");
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
}, 300_000);

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop({ graceMs: 3000 })));
  await Promise.all(targets.splice(0).map((t) => t.stop()));
  // no check of one test may keep probing during the next
  const { group, version, plural } = statusCheckResource;
  await cluster.customObjects.deleteCollectionNamespacedCustomObject({ group, version, plural, namespace: cluster.namespace }).catch(() => undefined);
}, 30_000);

afterAll(() => cluster?.remove(), 60_000);

function controller(): ManagedController {
  return createStatusCheckController({
    customObjects: cluster.kubeConfig.makeApiClient(CustomObjectsApi),
    events: createKubernetesEventRecorder(core),
    logger: silentLogger(),
  });
}

async function startRunner(): Promise<ControllerRunner> {
  const runner = new ControllerRunner({ kubeConfig: cluster.kubeConfig, controllers: [controller()], logger: silentLogger() });
  runners.push(runner);
  await runner.start();
  return runner;
}

async function startTarget(): Promise<HttpTarget> {
  const target = new HttpTarget();
  targets.push(target);
  await target.start();
  return target;
}

const condition = (check: StatusCheck, type: string) => check.status?.conditions?.find((c) => c.type === type);

/** Resolves with the check once its Completed condition is True. */
function completed(name: string, timeoutMs = 20_000): Promise<StatusCheck> {
  return eventually(`StatusCheck ${name} completed`, async () => {
    const check = await cluster.get(name);
    return condition(check, "Completed")?.status === "True" ? check : undefined;
  }, timeoutMs, 100);
}

/** A completed check's Events, once the last of them (StatusCheckCompleted, recorded after the status write) is there. */
function eventsOf(name: string): Promise<{ reason: string; type: string; message: string; count: number }[]> {
  return eventually(`the Events of ${name}`, async () => {
    const list = await core.listNamespacedEvent({ namespace: cluster.namespace, fieldSelector: `involvedObject.name=${name}` });
    const events = list.items.map((e) => ({ reason: e.reason ?? "", type: e.type ?? "", message: e.message ?? "", count: e.count ?? 1 }));
    return events.some((e) => e.reason === "StatusCheckCompleted") ? events : undefined;
  }, 10_000, 100);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the StatusCheck controller", () => {
  it("Synchronous: a healthy target reaches SuccessThresholdExceed and Completed, then is probed no more", async () => {
    const target = await startTarget();
    await startRunner();
    await cluster.create("sync-healthy", { mode: "Synchronous", intervalSeconds: 1, successThreshold: 2, http: { url: target.url(), criteria: { statusCode: "200" } } });
    const check = await completed("sync-healthy");
    expect(condition(check, "Completed")).toMatchObject({ status: "True", reason: "StatusCheckSuccessThresholdExceed" });
    expect(condition(check, "SuccessThresholdExceed")?.status).toBe("True");
    expect(condition(check, "FailureThresholdExceed")?.status).toBe("False");
    expect(check.status).toMatchObject({ count: 2, records: [{ outcome: "Success" }, { outcome: "Success" }] });
    expect(check.status?.completionTime).toBeDefined();
    // one interval apart, the first one interval after the start (as Chaos Mesh's ticker)
    const [first, second] = check.status!.records!.map((r) => Date.parse(r.startTime));
    expect(first! - Date.parse(check.status!.startTime!)).toBeGreaterThanOrEqual(990);
    expect(second! - first!).toBeGreaterThanOrEqual(990);
    await sleep(2500);
    expect(target.requestsTo().length).toBe(2);
    const events = await eventsOf("sync-healthy");
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Normal", reason: "StatusCheckExecutionSucceed" }),
        expect.objectContaining({ type: "Normal", reason: "StatusCheckSuccessThresholdExceed" }),
        expect.objectContaining({ type: "Normal", reason: "StatusCheckCompleted", message: "status check completed: StatusCheckSuccessThresholdExceed" }),
      ]),
    );
    const row = (await tableRows(cluster.kubeConfig, `/apis/chaos-mesh.org/v1alpha1/namespaces/${cluster.namespace}/statuschecks`)).find((r) => r["Name"] === "sync-healthy");
    expect(row).toMatchObject({ mode: "Synchronous", count: 2, last: "Success", completed: "StatusCheckSuccessThresholdExceed" });
  }, 30_000);

  it("an unhealthy target reaches FailureThresholdExceed after failureThreshold probes, each failure an Event with its reason", async () => {
    const target = await startTarget();
    target.health = "unhealthy";
    await startRunner();
    await cluster.create("unhealthy", { intervalSeconds: 1, failureThreshold: 3, http: { url: target.url(), criteria: { statusCode: "200-399" } } });
    const check = await completed("unhealthy");
    expect(condition(check, "Completed")).toMatchObject({ status: "True", reason: "StatusCheckFailureThresholdExceed" });
    expect(condition(check, "FailureThresholdExceed")?.status).toBe("True");
    expect(check.status?.count).toBe(3);
    expect(check.status?.records?.map((r) => r.outcome)).toEqual(["Failure", "Failure", "Failure"]);
    const events = await eventsOf("unhealthy");
    expect(events).toEqual(
      expect.arrayContaining([
        { type: "Warning", reason: "StatusCheckExecutionFailed", message: `HTTP execution of status check failed: GET ${target.url()}: status 503, expected 200-399`, count: 3 },
        expect.objectContaining({ type: "Warning", reason: "StatusCheckFailureThresholdExceed" }),
        expect.objectContaining({ reason: "StatusCheckCompleted", message: "status check completed: StatusCheckFailureThresholdExceed" }),
      ]),
    );
  }, 30_000);

  it("Continuous: probes until the duration passes (DurationExceed, Completed), success threshold or not", async () => {
    const target = await startTarget();
    await startRunner();
    await cluster.create("continuous", { mode: "Continuous", duration: "4s", intervalSeconds: 1, http: { url: target.url(), criteria: { statusCode: "200" } } });
    const check = await completed("continuous");
    expect(condition(check, "Completed")).toMatchObject({ status: "True", reason: "StatusCheckDurationExceed" });
    expect(condition(check, "DurationExceed")?.status).toBe("True");
    expect(condition(check, "SuccessThresholdExceed")?.status).toBe("True");
    expect(check.status?.count).toBeGreaterThanOrEqual(3);
    expect(check.status?.count).toBeLessThanOrEqual(4);
    const completionMs = Date.parse(check.status!.completionTime!) - Date.parse(check.status!.startTime!);
    // ends at its duration, not after it; the upper bound allows a loaded machine three intervals late
    expect(completionMs).toBeGreaterThanOrEqual(4000);
    expect(completionMs).toBeLessThan(7000);
    const reasons = (await eventsOf("continuous")).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["StatusCheckDurationExceed", "StatusCheckCompleted"]));
    expect(reasons).not.toContain("StatusCheckExecutionFailed");
  }, 30_000);

  it("Continuous: a target that turns unhealthy ends the check at the failure threshold", async () => {
    const target = await startTarget();
    await startRunner();
    await cluster.create("turns-unhealthy", { mode: "Continuous", intervalSeconds: 1, failureThreshold: 2, http: { url: target.url(), criteria: { statusCode: "200" } } });
    await eventually("two successful probes", async () => ((await cluster.get("turns-unhealthy")).status?.count ?? 0) >= 2 || undefined, 10_000, 100);
    target.health = "unhealthy";
    const check = await completed("turns-unhealthy");
    expect(condition(check, "Completed")?.reason).toBe("StatusCheckFailureThresholdExceed");
    expect(check.status?.records?.slice(-2).map((r) => r.outcome)).toEqual(["Failure", "Failure"]);
    expect(check.status?.records?.[0]?.outcome).toBe("Success");
  }, 30_000);

  it("a probe that gets no answer within timeoutSeconds is a failure, with the timeout as its reason", async () => {
    const target = await startTarget();
    target.health = "hang";
    await startRunner();
    await cluster.create("timeout", { intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1, http: { url: target.url(), criteria: { statusCode: "200" } } });
    const check = await completed("timeout");
    expect(condition(check, "Completed")?.reason).toBe("StatusCheckFailureThresholdExceed");
    expect(check.status?.records).toEqual([expect.objectContaining({ outcome: "Failure" })]);
    expect(await eventsOf("timeout")).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: "StatusCheckExecutionFailed", message: `HTTP execution of status check failed: GET ${target.url()}: no response within 1s` })]),
    );
  }, 30_000);

  it("keeps at most recordsHistoryLimit records, newest last, while count counts every probe", async () => {
    const target = await startTarget();
    await startRunner();
    await cluster.create("history", { mode: "Continuous", duration: "5s", intervalSeconds: 1, recordsHistoryLimit: 2, failureThreshold: 2, http: { url: target.url(), criteria: { statusCode: "200" } } });
    const check = await completed("history");
    expect(check.status?.count).toBeGreaterThanOrEqual(4);
    expect(check.status?.records).toHaveLength(2);
    const times = check.status!.records!.map((r) => Date.parse(r.startTime));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
    expect(target.requestsTo().length).toBe(check.status!.count);
  }, 30_000);

  it("a deleted check is probed no more", async () => {
    const target = await startTarget();
    await startRunner();
    await cluster.create("deleted", { mode: "Continuous", intervalSeconds: 1, http: { url: target.url(), criteria: { statusCode: "200" } } });
    await eventually("two probes", async () => (target.requestsTo().length >= 2 ? true : undefined), 10_000, 50);
    const { group, version, plural } = statusCheckResource;
    await cluster.customObjects.deleteNamespacedCustomObject({ group, version, plural, namespace: cluster.namespace, name: "deleted" });
    const seen = target.requestsTo().length;
    await sleep(3000);
    // a probe already in flight when the delete lands may still be made, nothing after it
    expect(target.requestsTo().length).toBeLessThanOrEqual(seen + 1);
  }, 30_000);

  it("a manager restart continues from the status: no probe lost, no burst of catch-up probes after a downtime", async () => {
    const target = await startTarget();
    const first = await startRunner();
    await cluster.create("restart", { mode: "Continuous", intervalSeconds: 2, failureThreshold: 5, http: { url: target.url(), criteria: { statusCode: "200" } } });
    await eventually("two probes recorded", async () => ((await cluster.get("restart")).status?.count ?? 0) >= 2 || undefined, 15_000, 100);
    await first.stop({ graceMs: 3000 });
    runners.splice(runners.indexOf(first), 1);
    const before = await cluster.get("restart");
    // down for more than two intervals
    await sleep(5000);
    expect(target.requestsTo().length).toBe(before.status!.count);
    await startRunner();
    await eventually("probing again", async () => ((await cluster.get("restart")).status?.count ?? 0) >= before.status!.count! + 2 || undefined, 15_000, 100);
    const after = await cluster.get("restart");
    expect(after.status?.startTime).toBe(before.status?.startTime);
    const times = after.status!.records!.map((r) => Date.parse(r.startTime));
    // the first probe after the restart came at once (it was overdue), then one per interval: never two within an interval
    const resumed = times[before.status!.records!.length]!;
    expect(resumed - times[before.status!.records!.length - 1]!).toBeGreaterThanOrEqual(5000);
    for (let i = before.status!.records!.length + 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1990);
    expect(target.requestsTo().length).toBe(after.status!.count);
  }, 45_000);
});
