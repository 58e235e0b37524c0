// The Workflow controllers on the real API server, run by the ControllerRunner the manager uses,
// with two test kinds (no chaos controller runs, so the chaos objects a Workflow creates simply
// exist until the Workflow deletes them).
import { ControllerRunner, silentLogger, type EventRecorder } from "@faultline/controller";
import { eventually } from "@faultline/test-ground";
import type { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { createWorkflowControllers } from "./create-workflow-controllers.js";
import { clusterTimeoutMs, workflowTestCluster } from "./workflow-cluster.test-support.js";
import { testKinds } from "./workflow-kinds.test-support.js";
import type { Workflow, WorkflowNode } from "./workflow-types.js";

let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let remove: () => Promise<void>;
const events: { object: string; reason: string }[] = [];
const recorder: EventRecorder = { record: async (obj, event) => void events.push({ object: `${obj.kind}/${obj.metadata.name}`, reason: event.reason }) };

const group = "chaos-mesh.org";
const version = "v1alpha1";
const startRunner = async () => {
  const runner = new ControllerRunner({
    kubeConfig,
    controllers: createWorkflowControllers({ customObjects: custom, core: kubeConfig.makeApiClient(CoreV1Api), events: recorder, logger: silentLogger(), kinds: testKinds }),
  });
  await runner.start();
  return runner;
};
let runner: ControllerRunner | undefined;

beforeAll(async () => {
  ({ kubeConfig, custom, namespace, remove } = await workflowTestCluster("wf-run"));
}, clusterTimeoutMs);

afterAll(async () => {
  await runner?.stop({ graceMs: 1000 });
  await remove?.();
}, 60_000);

const list = async <T>(plural: string, labelSelector?: string) =>
  ((await custom.listNamespacedCustomObject({ group, version, namespace, plural, ...(labelSelector && { labelSelector }) })) as { items: T[] }).items;
const chaosObjects = async () => [...(await list<{ metadata: { name: string; uid: string } }>("wfalphachaos")), ...(await list<{ metadata: { name: string; uid: string } }>("wfbetachaos"))];
const getWorkflow = async (name: string) => (await custom.getNamespacedCustomObject({ group, version, namespace, plural: "workflows", name })) as Workflow;
const nodesOf = async (workflow: string) => list<WorkflowNode>("workflownodes", `chaos-mesh.org/workflow=${workflow}`);
const condition = (conditions: { type: string; status: string; reason?: string }[] | undefined, type: string) => conditions?.find((c) => c.type === type);
const createWorkflow = (name: string, spec: object) =>
  custom.createNamespacedCustomObject({ group, version, namespace, plural: "workflows", body: { apiVersion: `${group}/${version}`, kind: "Workflow", metadata: { name }, spec } });
const accomplished = (name: string, timeoutMs = 30_000) =>
  eventually(`workflow ${name} accomplished`, async () => {
    const workflow = await getWorkflow(name);
    return condition(workflow.status?.conditions, "Accomplished")?.status === "True" ? workflow : undefined;
  }, timeoutMs, 100);

/** Polls the chaos objects every 100 ms: when each name was first seen and last seen. */
function chaosTimeline() {
  const seen = new Map<string, { first: number; last: number; uids: Set<string> }>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      for (const object of await chaosObjects().catch(() => [])) {
        const entry = seen.get(object.metadata.name) ?? { first: now, last: now, uids: new Set<string>() };
        entry.last = now;
        entry.uids.add(object.metadata.uid);
        seen.set(object.metadata.name, entry);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { seen, stop: async () => ((stopped = true), await loop) };
}

describe("Workflow controllers on a real API server", () => {
  beforeAll(async () => {
    runner = await startRunner();
  }, 60_000);

  test("Serial [chaos A → Suspend 2s → Parallel [chaos B, chaos C]] runs to Accomplished, each chaos living from its node's start to its deadline", async () => {
    const timeline = chaosTimeline();
    const started = Date.now();
    await createWorkflow("serial", {
      entry: "main",
      templates: [
        { name: "main", templateType: "Serial", children: ["chaos-a", "pause", "both"] },
        { name: "chaos-a", templateType: "WfAlphaChaos", deadline: "2s", wfAlphaChaos: { target: "a" } },
        { name: "pause", templateType: "Suspend", deadline: "2s" },
        { name: "both", templateType: "Parallel", children: ["chaos-b", "chaos-c"] },
        { name: "chaos-b", templateType: "WfBetaChaos", deadline: "2s", wfBetaChaos: { target: "b" } },
        { name: "chaos-c", templateType: "WfAlphaChaos", deadline: "3s", wfAlphaChaos: { target: "c" } },
      ],
    });
    const workflow = await accomplished("serial");
    await timeline.stop();
    const took = Date.now() - started;

    expect(workflow.status).toMatchObject({ entryNode: expect.stringMatching(/^serial-main-/), startTime: expect.any(String), endTime: expect.any(String) });
    expect(condition(workflow.status?.conditions, "Scheduled")?.status).toBe("True");
    const nodes = await nodesOf("serial");
    expect(nodes.map((n) => n.spec.templateName).sort()).toEqual(["both", "chaos-a", "chaos-b", "chaos-c", "main", "pause"]);
    for (const node of nodes) expect(condition(node.status?.conditions, "Accomplished")).toMatchObject({ status: "True" });
    const byTemplate = new Map(nodes.map((n) => [n.spec.templateName, n]));
    expect(byTemplate.get("chaos-a")!.status).toMatchObject({ chaosResource: { kind: "WfAlphaChaos", name: byTemplate.get("chaos-a")!.metadata.name } });
    expect(condition(byTemplate.get("chaos-a")!.status?.conditions, "DeadlineExceed")).toMatchObject({ status: "True", reason: "NodeDeadlineExceed" });
    expect(byTemplate.get("main")!.status?.finishedChildren).toHaveLength(3);

    // each chaos object existed from its node's start to about its deadline, then was deleted
    const life = (template: string) => timeline.seen.get(byTemplate.get(template)!.metadata.name!)!;
    expect([...timeline.seen.keys()].sort()).toEqual(["chaos-a", "chaos-b", "chaos-c"].map((t) => byTemplate.get(t)!.metadata.name!).sort());
    expect(life("chaos-a").last - life("chaos-a").first).toBeGreaterThanOrEqual(1500);
    expect(life("chaos-a").last - life("chaos-a").first).toBeLessThan(3500);
    expect(life("chaos-b").first - life("chaos-a").last).toBeGreaterThanOrEqual(1500); // the Suspend between
    expect(Math.abs(life("chaos-b").first - life("chaos-c").first)).toBeLessThan(500); // the Parallel starts both
    expect(life("chaos-c").last - life("chaos-b").last).toBeGreaterThanOrEqual(500); // each ends at its own deadline
    expect(await chaosObjects()).toEqual([]);
    expect(took).toBeGreaterThanOrEqual(7000);
    expect(events.filter((e) => e.reason === "ChaosCRCreated")).toHaveLength(3);
    expect(events.filter((e) => e.reason === "ChaosCRDeleted")).toHaveLength(3);
    expect(events).toContainEqual({ object: "Workflow/serial", reason: "WorkflowAccomplished" });
  }, 60_000);

  test("a running Workflow shows its running nodes, and the abort annotation deletes every chaos and ends it", async () => {
    await createWorkflow("abort-me", {
      entry: "main",
      templates: [
        { name: "main", templateType: "Serial", children: ["both", "after"] },
        { name: "both", templateType: "Parallel", children: ["long-a", "long-b"] },
        { name: "long-a", templateType: "WfAlphaChaos", deadline: "5m", wfAlphaChaos: { target: "a" } },
        { name: "long-b", templateType: "WfBetaChaos", deadline: "5m", wfBetaChaos: { target: "b" } },
        { name: "after", templateType: "Suspend", deadline: "1s" },
      ],
    });
    await eventually("both chaos objects", async () => ((await chaosObjects()).length === 2 ? true : undefined), 20_000, 100);
    const running = await eventually("the running nodes in the status", async () => {
      const active = (await getWorkflow("abort-me")).status?.activeNodes;
      return active?.length === 2 ? active : undefined;
    }, 20_000, 200);
    expect(running.every((n) => /^abort-me-long-[ab]-/.test(n))).toBe(true);

    await custom.patchNamespacedCustomObject(
      { group, version, namespace, plural: "workflows", name: "abort-me", body: { metadata: { annotations: { "workflow.chaos-mesh.org/abort": "true" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const workflow = await accomplished("abort-me");
    expect(condition(workflow.status?.conditions, "Accomplished")).toMatchObject({ status: "True", reason: "Aborted" });
    expect(condition(workflow.status?.conditions, "Aborted")).toMatchObject({ status: "True", reason: "WorkflowAborted" });
    expect(workflow.status?.endTime).toEqual(expect.any(String));
    expect(await chaosObjects()).toEqual([]);
    const nodes = await nodesOf("abort-me");
    expect(nodes.map((n) => n.spec.templateName).sort()).toEqual(["both", "long-a", "long-b", "main"]); // "after" never started
    for (const node of nodes) expect(condition(node.status?.conditions, "Aborted")).toMatchObject({ status: "True" });
  }, 60_000);

  test("a StatusCheck past its failure threshold aborts a Workflow that asked for it", async () => {
    await createWorkflow("guarded", {
      entry: "main",
      templates: [
        { name: "main", templateType: "Parallel", children: ["check", "fault"] },
        { name: "check", templateType: "StatusCheck", deadline: "5m", abortWithStatusCheck: true, statusCheck: { mode: "Continuous", http: { url: "http://127.0.0.1:1/healthz" } } },
        { name: "fault", templateType: "WfAlphaChaos", deadline: "5m", wfAlphaChaos: { target: "a" } },
      ],
    });
    const check = await eventually("the StatusCheck object", async () => (await list<{ metadata: { name: string; labels: object } }>("statuschecks"))[0], 20_000, 100);
    expect(check.metadata.labels).toMatchObject({ "chaos-mesh.org/workflow": "guarded" });
    await eventually("the chaos object", async () => ((await chaosObjects()).length === 1 ? true : undefined), 20_000, 100);
    // what the StatusCheck controller writes when the HTTP server turned unhealthy
    const current = (await custom.getNamespacedCustomObject({ group, version, namespace, plural: "statuschecks", name: check.metadata.name })) as object;
    await custom.replaceNamespacedCustomObjectStatus({
      group, version, namespace, plural: "statuschecks", name: check.metadata.name,
      body: { ...current, status: { conditions: [{ type: "FailureThresholdExceed", status: "True", reason: "" }, { type: "Completed", status: "True", reason: "" }] } },
    });

    const workflow = await accomplished("guarded");
    expect(condition(workflow.status?.conditions, "Aborted")?.status).toBe("True");
    expect(await chaosObjects()).toEqual([]);
    expect(await list("statuschecks")).toEqual([]);
    const checkNode = (await nodesOf("guarded")).find((n) => n.spec.templateName === "check")!;
    expect(condition(checkNode.status?.conditions, "Aborted")).toMatchObject({ status: "True", reason: "StatusCheckFailed" });
  }, 60_000);

  test("a StatusCheck that completes accomplishes its node", async () => {
    await createWorkflow("checked", {
      entry: "check",
      templates: [{ name: "check", templateType: "StatusCheck", deadline: "5m", statusCheck: { mode: "Synchronous", http: { url: "http://127.0.0.1:1/" } } }],
    });
    const check = await eventually("the StatusCheck object", async () => (await list<{ metadata: { name: string } }>("statuschecks"))[0], 20_000, 100);
    const current = (await custom.getNamespacedCustomObject({ group, version, namespace, plural: "statuschecks", name: check.metadata.name })) as object;
    await custom.replaceNamespacedCustomObjectStatus({
      group, version, namespace, plural: "statuschecks", name: check.metadata.name,
      body: { ...current, status: { conditions: [{ type: "SuccessThresholdExceed", status: "True", reason: "" }, { type: "Completed", status: "True", reason: "" }] } },
    });
    const workflow = await accomplished("checked");
    expect(condition(workflow.status?.conditions, "Accomplished")?.reason).toBe("WorkflowAccomplished");
    expect(condition((await nodesOf("checked"))[0]!.status?.conditions, "Accomplished")).toMatchObject({ status: "True", reason: "StatusCheckCompleted" });
  }, 60_000);

  test("a restart of the runner mid-workflow neither duplicates nor loses a node", async () => {
    const timeline = chaosTimeline();
    await createWorkflow("restart", {
      entry: "main",
      templates: [
        { name: "main", templateType: "Serial", children: ["first", "second"] },
        { name: "first", templateType: "WfAlphaChaos", deadline: "3s", wfAlphaChaos: { target: "a" } },
        { name: "second", templateType: "WfBetaChaos", deadline: "2s", wfBetaChaos: { target: "b" } },
      ],
    });
    await eventually("the first chaos", async () => ((await chaosObjects()).length === 1 ? true : undefined), 20_000, 100);
    await runner!.stop({ graceMs: 1000 });
    runner = undefined;
    await new Promise((r) => setTimeout(r, 1500)); // the manager is down
    const created = events.filter((e) => e.reason === "ChaosCRCreated").length;
    runner = await startRunner();
    await accomplished("restart");
    await timeline.stop();

    const nodes = await nodesOf("restart");
    expect(nodes.map((n) => n.spec.templateName).sort()).toEqual(["first", "main", "second"]);
    expect(timeline.seen.size).toBe(2);
    for (const { uids } of timeline.seen.values()) expect(uids.size).toBe(1); // each chaos created once
    expect(events.filter((e) => e.reason === "ChaosCRCreated").length - created).toBe(1); // only the second, after the restart
    expect(await chaosObjects()).toEqual([]);
  }, 60_000);
});

describe("a Workflow whose templates contain themselves", () => {
  test("is refused by the controller (InvalidEntry), with no node created", async () => {
    runner ??= await startRunner();
    await createWorkflow("loop", { entry: "a", templates: [{ name: "a", templateType: "Serial", children: ["b"] }, { name: "b", templateType: "Serial", children: ["a"] }] });
    const workflow = await eventually("the Scheduled condition", async () => {
      const w = await getWorkflow("loop");
      return condition(w.status?.conditions, "Scheduled") ? w : undefined;
    }, 20_000, 100);
    expect(condition(workflow.status?.conditions, "Scheduled")).toMatchObject({ status: "False", reason: "InvalidEntry" });
    expect(events).toContainEqual({ object: "Workflow/loop", reason: "InvalidEntry" });
    expect(await nodesOf("loop")).toEqual([]);
  }, 30_000);
});
