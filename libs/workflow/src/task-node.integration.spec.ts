// Task templates on the local cluster, with its kubelet: each Task's pod really runs (the locally
// built busybox), its exit code and output choose the branches, and the garbage collector removes
// the pod with the Workflow. The shape is Chaos Mesh's custom-task example: a Task whose echo
// picks one of three branches.
import { ControllerRunner, silentLogger, type EventRecorder } from "@faultline/controller";
import { eventually } from "@faultline/test-ground";
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { createWorkflowControllers } from "./create-workflow-controllers.js";
import { clusterTimeoutMs, workflowTestCluster } from "./workflow-cluster.test-support.js";
import { testKinds } from "./workflow-kinds.test-support.js";
import type { Workflow, WorkflowNode } from "./workflow-types.js";

let kubeConfig: KubeConfig;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let namespace: string;
let remove: () => Promise<void>;
let runner: ControllerRunner | undefined;
const events: { object: string; reason: string; message: string }[] = [];
const recorder: EventRecorder = { record: async (obj, event) => void events.push({ object: `${obj.kind}/${obj.metadata.name}`, reason: event.reason, message: event.message }) };

const group = "chaos-mesh.org";
const version = "v1alpha1";
const busybox = (name: string, command: string[]) => ({ container: { name, image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command } });

beforeAll(async () => {
  ({ kubeConfig, custom, namespace, remove } = await workflowTestCluster("wf-task", "full"));
  core = kubeConfig.makeApiClient(CoreV1Api);
  runner = new ControllerRunner({ kubeConfig, controllers: createWorkflowControllers({ customObjects: custom, core, events: recorder, logger: silentLogger(), kinds: testKinds }) });
  await runner.start();
}, clusterTimeoutMs);

afterAll(async () => {
  await runner?.stop({ graceMs: 1000 });
  await remove?.();
}, 120_000);

const list = async <T>(plural: string, labelSelector?: string) =>
  ((await custom.listNamespacedCustomObject({ group, version, namespace, plural, ...(labelSelector && { labelSelector }) })) as { items: T[] }).items;
const nodesOf = (workflow: string) => list<WorkflowNode>("workflownodes", `chaos-mesh.org/workflow=${workflow}`);
const podsOf = async (workflow: string) => (await core.listNamespacedPod({ namespace, labelSelector: `chaos-mesh.org/workflow=${workflow}` })).items;
const condition = (conditions: { type: string; status: string; reason?: string }[] | undefined, type: string) => conditions?.find((c) => c.type === type);
const createWorkflow = (name: string, spec: object) =>
  custom.createNamespacedCustomObject({ group, version, namespace, plural: "workflows", body: { apiVersion: `${group}/${version}`, kind: "Workflow", metadata: { name }, spec } });
const accomplished = (name: string, timeoutMs = 60_000) =>
  eventually(`workflow ${name} accomplished`, async () => {
    const workflow = (await custom.getNamespacedCustomObject({ group, version, namespace, plural: "workflows", name })) as Workflow;
    return condition(workflow.status?.conditions, "Accomplished")?.status === "True" ? workflow : undefined;
  }, timeoutMs, 200);
const byTemplate = (nodes: WorkflowNode[]) => new Map(nodes.map((n) => [n.spec.templateName, n]));
const containerExit = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;

describe("Task templates on a real kubelet", () => {
  test("Chaos Mesh's custom-task shape: the pod's echo picks the true branch, the false ones never start, and deleting the Workflow deletes the pod", async () => {
    await createWorkflow("custom-task", {
      entry: "the-entry",
      templates: [
        {
          name: "the-entry",
          templateType: "Task",
          task: busybox("main-container", ["echo", "branch-b"]),
          conditionalBranches: [
            { target: "workflow-alpha-chaos", expression: 'exitCode == 0 && stdout == "branch-a"' },
            { target: "workflow-beta-chaos", expression: 'exitCode == 0 && stdout == "branch-b"' },
            { target: "on-failed", expression: "exitCode != 0" },
          ],
        },
        { name: "workflow-alpha-chaos", templateType: "WfAlphaChaos", deadline: "2s", wfAlphaChaos: { target: "a" } },
        { name: "workflow-beta-chaos", templateType: "WfBetaChaos", deadline: "2s", wfBetaChaos: { target: "b" } },
        { name: "on-failed", templateType: "Task", task: busybox("notify", ["echo", "failed"]) },
      ],
    });
    const workflow = await accomplished("custom-task");
    expect(condition(workflow.status?.conditions, "Accomplished")?.reason).toBe("WorkflowAccomplished");

    const nodes = byTemplate(await nodesOf("custom-task"));
    expect([...nodes.keys()].sort()).toEqual(["the-entry", "workflow-beta-chaos"]); // the false branches never started
    const entry = nodes.get("the-entry")!;
    expect(entry.status?.conditionalBranchesStatus).toEqual({
      branches: [
        { target: "workflow-alpha-chaos", evaluationResult: "False" },
        { target: "workflow-beta-chaos", evaluationResult: "True" },
        { target: "on-failed", evaluationResult: "False" },
      ],
      context: ['{"exitCode":0,"stdout":"branch-b"}'],
    });
    expect(entry.status?.finishedChildren).toEqual([{ name: nodes.get("workflow-beta-chaos")!.metadata.name }]);
    expect(condition(entry.status?.conditions, "Accomplished")?.status).toBe("True");
    expect(condition(nodes.get("workflow-beta-chaos")!.status?.conditions, "DeadlineExceed")?.status).toBe("True"); // the branch ran its 2 s
    expect(events.filter((e) => e.object === `WorkflowNode/${entry.metadata.name}`).map((e) => e.reason)).toEqual(
      expect.arrayContaining(["TaskPodSpawned", "TaskPodCompleted", "ConditionalBranchesSelected", "NodesCreated", "NodeAccomplished"]),
    );

    // the pod ran on the kubelet, is owned by the entry node, and stays (for kubectl logs) until the Workflow goes
    const [pod, ...others] = await podsOf("custom-task");
    expect(others).toEqual([]);
    expect(pod!.metadata?.name).toBe(entry.metadata.name);
    expect(pod!.spec?.restartPolicy).toBe("Never");
    expect(pod!.status?.phase).toBe("Succeeded");
    expect(containerExit(pod!)).toBe(0);
    expect(pod!.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: "WorkflowNode", name: entry.metadata.name, uid: entry.metadata.uid, controller: true })]);

    await custom.deleteNamespacedCustomObject({ group, version, namespace, plural: "workflows", name: "custom-task", propagationPolicy: "Background" });
    await eventually("the Task's pod deleted with the Workflow", async () => ((await podsOf("custom-task")).length === 0 ? true : undefined), 60_000, 250);
    expect(await nodesOf("custom-task")).toEqual([]);
  }, 120_000);

  test("a failing container takes the exitCode != 0 branch (a Task again), and a branch whose expression cannot be evaluated is Unknown, with why", async () => {
    await createWorkflow("failing-task", {
      entry: "probe",
      templates: [
        {
          name: "probe",
          templateType: "Task",
          task: busybox("probe", ["sh", "-c", "echo unhealthy; exit 3"]),
          conditionalBranches: [
            { target: "on-success", expression: "exitCode == 0" },
            { target: "on-failed", expression: "exitCode != 0 && stdout.startsWith('unhealthy')" },
            { target: "on-success", expression: "exitcode == 3" },
          ],
        },
        { name: "on-success", templateType: "Suspend", deadline: "1s" },
        { name: "on-failed", templateType: "Task", task: busybox("notify", ["echo", "notified"]) },
      ],
    });
    await accomplished("failing-task");
    const nodes = byTemplate(await nodesOf("failing-task"));
    expect([...nodes.keys()].sort()).toEqual(["on-failed", "probe"]);
    expect(nodes.get("probe")!.status?.conditionalBranchesStatus).toEqual({
      branches: [
        { target: "on-success", evaluationResult: "False" },
        { target: "on-failed", evaluationResult: "True" },
        { target: "on-success", evaluationResult: "Unknown" },
      ],
      context: ['{"exitCode":3,"stdout":"unhealthy"}', expect.stringMatching(/^branch 2 \(on-success\): Unknown variable: exitcode/)],
    });
    expect(nodes.get("on-failed")!.status?.conditionalBranchesStatus).toEqual({ branches: [], context: ['{"exitCode":0,"stdout":"notified"}'] });
    const pods = new Map((await podsOf("failing-task")).map((p) => [p.metadata!.name!, p]));
    expect(pods.get(nodes.get("probe")!.metadata.name!)?.status?.phase).toBe("Failed");
    expect(containerExit(pods.get(nodes.get("probe")!.metadata.name!)!)).toBe(3);
    expect(containerExit(pods.get(nodes.get("on-failed")!.metadata.name!)!)).toBe(0);
  }, 120_000);

  test("aborting the Workflow deletes a running Task's pod, starts no branch, and ends once the container has stopped", async () => {
    await createWorkflow("abort-task", {
      entry: "long",
      templates: [
        {
          name: "long",
          templateType: "Task",
          // busybox's sh as PID 1 ignores SIGTERM unless it traps it
          task: busybox("long", ["sh", "-c", "trap 'exit 143' TERM; echo started; sleep 300 & wait"]),
          conditionalBranches: [{ target: "after", expression: "true" }],
        },
        { name: "after", templateType: "Suspend", deadline: "1s" },
      ],
    });
    await eventually("the Task's container running", async () => ((await podsOf("abort-task"))[0]?.status?.phase === "Running" ? true : undefined), 60_000, 200);
    const running = await eventually("the Task among the running nodes", async () => {
      const workflow = (await custom.getNamespacedCustomObject({ group, version, namespace, plural: "workflows", name: "abort-task" })) as Workflow;
      return workflow.status?.activeNodes?.length === 1 ? workflow.status.activeNodes : undefined;
    }, 20_000, 200);
    expect(running[0]).toMatch(/^abort-task-long-/);

    await custom.patchNamespacedCustomObject(
      { group, version, namespace, plural: "workflows", name: "abort-task", body: { metadata: { annotations: { "workflow.chaos-mesh.org/abort": "true" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const workflow = await accomplished("abort-task");
    expect(condition(workflow.status?.conditions, "Aborted")?.status).toBe("True");
    const [node, ...others] = await nodesOf("abort-task");
    expect(others).toEqual([]); // "after" never started
    expect(condition(node!.status?.conditions, "Aborted")).toMatchObject({ status: "True", reason: "WorkflowAborted" });
    expect(condition(node!.status?.conditions, "Accomplished")?.status).toBe("True"); // written once the container had stopped
    expect(node!.status?.conditionalBranchesStatus).toEqual({ branches: [{ target: "after", evaluationResult: "Unknown" }] });
    expect(events).toContainEqual(expect.objectContaining({ object: `WorkflowNode/${node!.metadata.name}`, reason: "TaskPodDeleted" }));
    await eventually("the aborted Task's pod gone", async () => ((await podsOf("abort-task")).length === 0 ? true : undefined), 60_000, 250);
  }, 120_000);

  test("a Task past its deadline has its pod deleted and takes no branch", async () => {
    await createWorkflow("slow-task", {
      entry: "slow",
      templates: [
        { name: "slow", templateType: "Task", deadline: "3s", task: busybox("slow", ["sh", "-c", "trap 'exit 143' TERM; sleep 300 & wait"]), conditionalBranches: [{ target: "after", expression: "true" }] },
        { name: "after", templateType: "Suspend", deadline: "1s" },
      ],
    });
    const workflow = await accomplished("slow-task");
    expect(condition(workflow.status?.conditions, "Accomplished")?.reason).toBe("WorkflowAccomplished");
    const [node, ...others] = await nodesOf("slow-task");
    expect(others).toEqual([]);
    expect(condition(node!.status?.conditions, "DeadlineExceed")).toMatchObject({ status: "True", reason: "NodeDeadlineExceed" });
    expect(node!.status?.conditionalBranchesStatus?.context).toBeUndefined(); // never ended on its own: no result
    await eventually("the late Task's pod gone", async () => ((await podsOf("slow-task")).length === 0 ? true : undefined), 60_000, 250);
  }, 120_000);
});
