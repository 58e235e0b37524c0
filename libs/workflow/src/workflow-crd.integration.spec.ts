// The Workflow CRD judged by the real API server: it is accepted (CEL cost budgets included),
// valid Workflows are admitted, and invalid ones are refused at admission with a clear message.
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { clusterTimeoutMs, workflowTestCluster } from "./workflow-cluster.test-support.js";

let custom: CustomObjectsApi;
let namespace: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ custom, namespace, remove } = await workflowTestCluster("wf-crd"));
}, clusterTimeoutMs);

afterAll(async () => {
  await remove?.();
}, 60_000);

const workflow = (spec: object) => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "Workflow",
  metadata: { name: `wf-${Math.random().toString(36).slice(2, 8)}` },
  spec,
});

async function create(spec: object): Promise<{ status: number; message: string }> {
  try {
    await custom.createNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", namespace, plural: "workflows", body: workflow(spec) });
    return { status: 201, message: "" };
  } catch (error) {
    const { code, body } = error as { code?: number; body?: string };
    return { status: code ?? 0, message: (JSON.parse(body ?? "{}") as { message?: string }).message ?? String(error) };
  }
}

const alpha = { name: "alpha", templateType: "WfAlphaChaos", deadline: "30s", wfAlphaChaos: { target: "a" } };
const pause = { name: "pause", templateType: "Suspend", deadline: "2s" };
const task = {
  name: "t",
  templateType: "Task",
  deadline: "1m",
  task: {
    container: { name: "main", image: "busybox", command: ["echo", "branch-b"], resources: { limits: { cpu: "100m" } }, volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] },
    volumes: [{ name: "scratch", emptyDir: {} }],
  },
  conditionalBranches: [
    { target: "alpha", expression: 'exitCode == 0 && stdout == "branch-a"' },
    { target: "pause", expression: "exitCode != 0" },
  ],
};

describe("the Workflow CRD on a real API server", () => {
  it.each([
    ["a Serial of chaos, Suspend and Parallel", { entry: "main", templates: [{ name: "main", templateType: "Serial", children: ["alpha", "pause", "both"] }, alpha, pause, { name: "both", templateType: "Parallel", children: ["alpha", "beta"] }, { name: "beta", templateType: "WfBetaChaos", deadline: "10s", wfBetaChaos: { target: "b" } }] }],
    ["a Schedule template", { entry: "nightly", templates: [{ name: "nightly", templateType: "Schedule", deadline: "1h", schedule: { schedule: "@every 1m", type: "WfAlphaChaos", wfAlphaChaos: { target: "a", duration: "10s" } } }] }],
    ["a StatusCheck template that aborts", { entry: "check", templates: [{ name: "check", templateType: "StatusCheck", deadline: "1m", abortWithStatusCheck: true, statusCheck: { mode: "Continuous", http: { url: "http://x" } } }] }],
    ["a Task with conditional branches (Chaos Mesh's custom-task shape)", { entry: "t", templates: [task, alpha, pause] }],
    ["a Task without branches, inside a Serial", { entry: "s", templates: [{ name: "s", templateType: "Serial", children: ["t"] }, { ...task, conditionalBranches: undefined }] }],
    ["a template used twice, and an empty Serial", { entry: "s", templates: [{ name: "s", templateType: "Serial", children: ["pause", "e", "pause"] }, { name: "e", templateType: "Parallel" }, pause] }],
  ])("admits %s", async (_what, spec) => {
    expect(await create(spec)).toEqual({ status: 201, message: "" });
  });

  it.each([
    ["an entry that names no template", { entry: "nope", templates: [pause] }, /spec\.entry: Invalid value: "object": entry must name one of the templates/],
    ["a child that names no template", { entry: "s", templates: [{ name: "s", templateType: "Serial", children: ["ghost"] }] }, /spec\.templates: Invalid value: "object": children must name existing templates/],
    ["a Suspend without a deadline", { entry: "p", templates: [{ name: "p", templateType: "Suspend" }] }, /spec\.templates\[0\]\.deadline: Required value: a Suspend template needs a deadline/],
    ["a chaos template without its spec", { entry: "a", templates: [{ name: "a", templateType: "WfAlphaChaos", deadline: "1s" }] }, /spec\.templates\[0\]\.wfAlphaChaos: Invalid value: "object": missing chaos spec wfAlphaChaos for templateType WfAlphaChaos/],
    ["a chaos spec on another type", { entry: "p", templates: [{ ...pause, wfBetaChaos: { target: "b" } }] }, /spec\.templates\[0\]\.wfBetaChaos: Invalid value: "object": wfBetaChaos is only for templateType WfBetaChaos/],
    ["children on a chaos template", { entry: "a", templates: [{ ...alpha, children: ["a"] }] }, /children are only for Serial and Parallel templates/],
    ["a Schedule template without its schedule", { entry: "s", templates: [{ name: "s", templateType: "Schedule" }] }, /missing schedule spec schedule for templateType Schedule/],
    ["a StatusCheck template without its check", { entry: "c", templates: [{ name: "c", templateType: "StatusCheck" }] }, /missing status check spec statusCheck for templateType StatusCheck/],
    ["a chaos that sets its own duration", { entry: "alpha", templates: [{ ...alpha, wfAlphaChaos: { target: "a", duration: "10s" } }] }, /spec\.templates\[0\]\.wfAlphaChaos\.duration: Forbidden: should not define duration in chaos when using Workflow: use the template's deadline instead/],
    ["a Task with children", { entry: "t", templates: [{ ...task, children: ["pause"] }, alpha, pause] }, /spec\.templates\[0\]\.children: Forbidden: children are only for Serial and Parallel templates/],
    ["a Task without its task", { entry: "t", templates: [{ name: "t", templateType: "Task" }] }, /spec\.templates\[0\]\.task: Invalid value: "object": missing task spec task for templateType Task/],
    ["a Task that embeds a chaos", { entry: "t", templates: [{ ...task, wfAlphaChaos: { target: "a" } }, alpha, pause] }, /spec\.templates\[0\]\.wfAlphaChaos: Invalid value: "object": wfAlphaChaos is only for templateType WfAlphaChaos/],
    ["a task on a Suspend", { entry: "p", templates: [{ ...pause, task: task.task }] }, /spec\.templates\[0\]\.task: Invalid value: "object": task is only for templateType Task/],
    ["conditional branches on a Serial", { entry: "s", templates: [{ name: "s", templateType: "Serial", children: ["pause"], conditionalBranches: task.conditionalBranches }, alpha, pause] }, /spec\.templates\[0\]\.conditionalBranches: Forbidden: conditionalBranches are only for Task templates/],
    ["a branch whose target names no template", { entry: "t", templates: [{ ...task, conditionalBranches: [{ target: "ghost", expression: "true" }] }] }, /spec\.templates: Invalid value: "object": conditionalBranches targets must name existing templates/],
    ["a Task container without an image", { entry: "t", templates: [{ ...task, task: { container: { name: "main" } } }, alpha, pause] }, /spec\.templates\[0\]\.task\.container\.image: Required value/],
    ["a branch without an expression", { entry: "t", templates: [{ ...task, conditionalBranches: [{ target: "pause", expression: "" }] }, pause] }, /spec\.templates\[0\]\.conditionalBranches\[0\]\.expression: Invalid value: "": spec\.templates\[0\]\.conditionalBranches\[0\]\.expression in body should be at least 1 chars long/],
    ["an unknown type", { entry: "t", templates: [{ name: "t", templateType: "NoSuchChaos" }] }, /templateType must be one of Serial, Parallel, Suspend, Schedule, StatusCheck, Task, WfAlphaChaos, WfBetaChaos/],
    ["two templates of one name", { entry: "pause", templates: [pause, pause] }, /spec\.templates\[1\]: Duplicate value/],
    ["a name that is no DNS-1123 subdomain", { entry: "Bad_Name", templates: [{ ...pause, name: "Bad_Name" }] }, /spec\.templates\[0\]\.name: Invalid value: "Bad_Name"/],
    ["a deadline that is no Go duration", { entry: "pause", templates: [{ ...pause, deadline: "2 seconds" }] }, /spec\.templates\[0\]\.deadline: Invalid value: "2 seconds"/],
    ["no templates", { entry: "x", templates: [] }, /spec\.templates: Invalid value: 0: spec\.templates in body should have at least 1 items/],
    ["an embedded chaos its own kind refuses", { entry: "alpha", templates: [{ ...alpha, wfAlphaChaos: { target: "forbidden" } }] }, /spec\.templates\[0\]\.wfAlphaChaos: Invalid value: "object": target must not be forbidden/],
  ])("refuses %s, with a clear message", async (_what, spec, message) => {
    const refused = await create(spec);
    expect(refused.status).toBe(422);
    expect(refused.message).toMatch(message);
  });
});
