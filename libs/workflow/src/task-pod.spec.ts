import { nodeSpecOf } from "./node-spec.js";
import { taskResultRead } from "./node-step.js";
import { taskPodOf, taskPodState, taskResultOf, taskStdoutLimitBytes } from "./task-pod.js";
import type { WorkflowNode, WorkflowTemplate } from "./workflow-types.js";

const template: WorkflowTemplate = {
  name: "the-entry",
  templateType: "Task",
  deadline: "1m",
  task: {
    container: { name: "main", image: "docker.io/library/busybox:latest", command: ["echo", "branch-b"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] },
    volumes: [{ name: "scratch", emptyDir: {} }],
  },
  conditionalBranches: [{ target: "pause", expression: "exitCode == 0" }],
};
const start = Date.parse("2030-01-01T00:00:00Z");

const nodeOf = (t: WorkflowTemplate): WorkflowNode => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "WorkflowNode",
  metadata: { name: "custom-task-the-entry-0123456789", namespace: "team-a", uid: "node-uid" },
  spec: nodeSpecOf(t, "custom-task", start, undefined),
});

describe("a Task node's spec", () => {
  it("copies the template's task and branches, with its absolute deadline", () => {
    const spec = nodeSpecOf(template, "custom-task", start, undefined);
    expect(spec).toEqual({
      templateName: "the-entry",
      workflowName: "custom-task",
      type: "Task",
      startTime: "2030-01-01T00:00:00.000Z",
      deadline: "2030-01-01T00:01:00.000Z",
      task: template.task,
      conditionalBranches: template.conditionalBranches,
    });
    expect(spec.task).not.toBe(template.task); // a copy
  });
});

describe("taskPodOf", () => {
  it("is named after the node, owned by it, labelled with the Workflow and the node, restartPolicy Never, the container and volumes as written", () => {
    const pod = taskPodOf(nodeOf(template));
    expect(pod.metadata).toEqual({
      name: "custom-task-the-entry-0123456789",
      namespace: "team-a",
      labels: { "chaos-mesh.org/workflow": "custom-task", "chaos-mesh.org/controlled-by": "custom-task-the-entry-0123456789" },
      ownerReferences: [{ apiVersion: "chaos-mesh.org/v1alpha1", kind: "WorkflowNode", name: "custom-task-the-entry-0123456789", uid: "node-uid", controller: true, blockOwnerDeletion: true }],
    });
    expect(pod.spec).toEqual({ restartPolicy: "Never", containers: [template.task!.container], volumes: template.task!.volumes });
  });

  it("leaves volumes out when the template has none, and refuses a node without a task", () => {
    expect(taskPodOf(nodeOf({ ...template, task: { container: template.task!.container } })).spec).not.toHaveProperty("volumes");
    const { task: _task, ...withoutTask } = template;
    expect(() => taskPodOf(nodeOf(withoutTask))).toThrow("WorkflowNode team-a/custom-task-the-entry-0123456789 is a Task without spec.task");
  });
});

describe("taskPodState", () => {
  it("is running while the pod is pending or its container runs (also while it is being deleted)", () => {
    expect(taskPodState({ status: { phase: "Pending" } }, "main")).toEqual({ state: "running" });
    expect(taskPodState({ status: { phase: "Running", containerStatuses: [{ name: "main", state: { running: {} } } as never] } }, "main")).toEqual({ state: "running" });
    expect(taskPodState({}, "main")).toEqual({ state: "running" });
  });

  it("has ended once the named container has terminated, with its exit code", () => {
    const terminated = (exitCode: number) => ({ name: "main", state: { terminated: { exitCode } } }) as never;
    expect(taskPodState({ status: { phase: "Succeeded", containerStatuses: [terminated(0)] } }, "main")).toEqual({ state: "ended", exitCode: 0 });
    expect(taskPodState({ status: { phase: "Failed", containerStatuses: [terminated(3)] } }, "main")).toEqual({ state: "ended", exitCode: 3 });
    expect(taskPodState({ status: { phase: "Running", containerStatuses: [{ ...(terminated(0) as object), name: "other" } as never] } }, "main")).toEqual({ state: "running" });
  });

  it("has failed when the pod ended without the container running, saying why", () => {
    expect(taskPodState({ status: { phase: "Failed", reason: "OutOfcpu", message: "Node didn't have enough resource: cpu" } }, "main")).toEqual({
      state: "failed",
      reason: "the pod ended (phase Failed, OutOfcpu: Node didn't have enough resource: cpu) without its container main running",
    });
  });
});

describe("taskResultOf", () => {
  it("trims the log as Chaos Mesh does (echo's newline goes)", () => {
    expect(taskResultOf(0, "branch-b\n")).toEqual({ result: { exitCode: 0, stdout: "branch-b" }, truncated: false });
    expect(taskResultOf(2, "  two\nlines \n\n")).toEqual({ result: { exitCode: 2, stdout: "two\nlines" }, truncated: false });
  });

  it(`keeps at most ${taskStdoutLimitBytes} bytes, cutting at a character boundary, and says so`, () => {
    expect(taskResultOf(0, "x".repeat(taskStdoutLimitBytes + 1))).toEqual({ result: { exitCode: 0, stdout: "x".repeat(taskStdoutLimitBytes) }, truncated: true });
    expect(taskResultOf(0, "x".repeat(taskStdoutLimitBytes))).toEqual({ result: { exitCode: 0, stdout: "x".repeat(taskStdoutLimitBytes) }, truncated: false });
    expect(taskResultOf(0, "aé€", 4)).toEqual({ result: { exitCode: 0, stdout: "aé" }, truncated: true }); // "€" is 3 bytes: dropped whole
  });
});

describe("taskResultRead", () => {
  it("is true once the context holds the result, not while the branches wait as Unknown", () => {
    expect(taskResultRead(undefined)).toBe(false);
    expect(taskResultRead({ conditionalBranchesStatus: { branches: [{ target: "a", evaluationResult: "Unknown" }] } })).toBe(false);
    expect(taskResultRead({ conditionalBranchesStatus: { branches: [], context: ['{"exitCode":0,"stdout":""}'] } })).toBe(true);
  });
});
