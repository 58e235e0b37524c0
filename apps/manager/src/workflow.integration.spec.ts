import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import { deployBusybox, eventually as eventuallyWithin, processesInPidNamespaceOf, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";
import { WebPods } from "./web-pods.test-support.js";

// Workflow end to end on the local cluster's real kubelet, through the built manager and daemon:
// Serial [PodChaos → Suspend → Parallel [StressChaos, NetworkChaos]] runs to Accomplished, each
// chaos created when its node starts and recovered (deleted, its effect gone) at its deadline; the
// abort annotation recovers everything; a StatusCheck against an HTTP server that turns unhealthy
// aborts a workflow that asked for it.
const v1 = { group: "chaos-mesh.org", version: "v1alpha1" };
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs, 250);

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
type Obj = KubernetesObject & { spec?: { [k: string]: unknown }; status?: { conditions?: Condition[]; [k: string]: unknown } };

describe("Workflow end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: string;
  let manager: AppProcess;
  let web: WebPods;
  const reaches = (from: string, to: string) => web.reaches(from, to);
  const stressorsIn = async (name: string) => processesInPidNamespaceOf(await web.pidOf(name)).filter((p) => p.comm.startsWith("stress-ng"));

  const list = async (plural: string) => ((await custom.listNamespacedCustomObject({ ...v1, plural, namespace: ns })) as { items: Obj[] }).items;
  const get = (plural: string, name: string) => custom.getNamespacedCustomObject({ ...v1, plural, namespace: ns, name }) as Promise<Obj>;
  const condition = (obj: Obj | undefined, type: string) => obj?.status?.conditions?.find((c) => c.type === type)?.status;
  /** The one object of a kind a workflow node created, once it exists (its owner is a WorkflowNode of that workflow). */
  const childOf = (workflow: string, plural: string) =>
    eventually(`a ${plural} of ${workflow}`, async () =>
      (await list(plural)).find((o) => o.metadata?.ownerReferences?.some((r) => r.kind === "WorkflowNode") && o.metadata?.labels?.["chaos-mesh.org/workflow"] === workflow),
    );
  const injected = (plural: string, name: string) => eventually(`${plural}/${name} AllInjected`, async () => (condition(await get(plural, name), "AllInjected") === "True" ? true : undefined));
  const gone = (plural: string, name: string) =>
    eventually(`${plural}/${name} deleted`, () => get(plural, name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)), 180_000);
  const createWorkflow = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...v1, plural: "workflows", namespace: ns, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", metadata: { name }, spec } });
  const workflowEnds = (name: string, type: "Accomplished" | "Aborted") =>
    eventually(`workflow ${name} ${type}`, async () => {
      const wf = await get("workflows", name);
      return condition(wf, type) === "True" ? wf : undefined;
    }, 240_000);

  const stress = { mode: "one", selector: { labelSelectors: { app: "client" } }, stressors: { cpu: { workers: 1, load: 20 } } };
  const partition = { action: "partition", mode: "all", selector: { labelSelectors: { app: "client" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "web" } } } };

  beforeAll(async () => {
    ground = await startKubeletGround("workflow-e2e");
    ({ core, custom } = ground);
    ns = ground.ns.name;
    manager = await startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort: await freePort() });
    web = new WebPods(core, ns, ground.cluster.containerdSocket);
    await web.start("client");
    await web.start("web");
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 180_000);

  it("Serial [PodChaos → Suspend → Parallel [StressChaos, NetworkChaos]] runs to Accomplished, each chaos recovered at its deadline", async () => {
    const [victim] = await deployBusybox(ground.cluster.kubeConfig, ns, { name: "victim", replicas: 1 });
    expect(await reaches("client", "web")).toBe(true);
    const started = Date.now();
    await createWorkflow("serial", {
      entry: "entry",
      templates: [
        { name: "entry", templateType: "Serial", deadline: "5m", children: ["kill", "pause", "together"] },
        { name: "kill", templateType: "PodChaos", deadline: "8s", podChaos: { action: "pod-kill", mode: "one", selector: { labelSelectors: { app: "victim" } } } },
        { name: "pause", templateType: "Suspend", deadline: "3s" },
        { name: "together", templateType: "Parallel", children: ["stress", "partition"] },
        { name: "stress", templateType: "StressChaos", deadline: "20s", stressChaos: stress },
        { name: "partition", templateType: "NetworkChaos", deadline: "20s", networkChaos: partition },
      ],
    });

    // PodChaos: created by its node, the pod killed and replaced, deleted at its deadline
    const kill = await childOf("serial", "podchaos");
    await injected("podchaos", kill.metadata!.name!);
    await eventually("the victim replaced", async () =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=victim" })).items.some((p) => p.metadata!.uid !== victim!.metadata!.uid) ? true : undefined,
    );
    expect(await list("stresschaos")).toEqual([]); // the Serial waits for the PodChaos node
    await gone("podchaos", kill.metadata!.name!);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8000);

    // Suspend, then the Parallel's two chaos at once
    const stressChaos = await childOf("serial", "stresschaos");
    const networkChaos = await childOf("serial", "networkchaos");
    expect(Date.now() - started).toBeGreaterThanOrEqual(11_000);
    await injected("stresschaos", stressChaos.metadata!.name!);
    await injected("networkchaos", networkChaos.metadata!.name!);
    expect((await stressorsIn("client")).length).toBeGreaterThan(0);
    expect(await reaches("client", "web")).toBe(false);

    // at their deadline both are deleted, so recovered: no stressor left, the partition lifted
    await gone("stresschaos", stressChaos.metadata!.name!);
    await gone("networkchaos", networkChaos.metadata!.name!);
    expect(await stressorsIn("client")).toEqual([]);
    expect(await reaches("client", "web")).toBe(true);
    const wf = await workflowEnds("serial", "Accomplished");
    expect(wf.status?.["entryNode"]).toEqual(expect.any(String));
    const nodes = (await list("workflownodes")).filter((n) => n.metadata?.labels?.["chaos-mesh.org/workflow"] === "serial");
    expect(nodes.map((n) => n.spec?.["templateName"]).sort()).toEqual(["entry", "kill", "partition", "pause", "stress", "together"]);
    for (const node of nodes) expect([node.spec?.["templateName"], condition(node, "Accomplished")]).toEqual([node.spec?.["templateName"], "True"]);
  }, 300_000);

  it("the abort annotation ends a running workflow and recovers its chaos", async () => {
    await createWorkflow("aborted", {
      entry: "entry",
      templates: [
        { name: "entry", templateType: "Parallel", children: ["stress", "wait"] },
        { name: "stress", templateType: "StressChaos", deadline: "10m", stressChaos: stress },
        { name: "wait", templateType: "Suspend", deadline: "10m" },
      ],
    });
    const chaos = await childOf("aborted", "stresschaos");
    await injected("stresschaos", chaos.metadata!.name!);
    expect((await stressorsIn("client")).length).toBeGreaterThan(0);
    await custom.patchNamespacedCustomObject(
      { ...v1, plural: "workflows", namespace: ns, name: "aborted", body: { metadata: { annotations: { "workflow.chaos-mesh.org/abort": "true" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await gone("stresschaos", chaos.metadata!.name!);
    expect(await stressorsIn("client")).toEqual([]);
    await workflowEnds("aborted", "Aborted");
  }, 300_000);

  it("a StatusCheck that fails aborts a workflow with abortWithStatusCheck, and its chaos is recovered", async () => {
    let healthy = true;
    const http: Server = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? "ok" : "down");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/healthz`;
    try {
      await createWorkflow("guarded", {
        entry: "entry",
        templates: [
          { name: "entry", templateType: "Parallel", children: ["check", "partition"] },
          {
            name: "check",
            templateType: "StatusCheck",
            deadline: "10m",
            abortWithStatusCheck: true,
            statusCheck: { mode: "Continuous", type: "HTTP", intervalSeconds: 1, failureThreshold: 2, http: { url, criteria: { statusCode: "200" } } },
          },
          { name: "partition", templateType: "NetworkChaos", deadline: "10m", networkChaos: partition },
        ],
      });
      const chaos = await childOf("guarded", "networkchaos");
      await injected("networkchaos", chaos.metadata!.name!);
      const check = await childOf("guarded", "statuschecks");
      await eventually("the StatusCheck probing", async () => (Number((await get("statuschecks", check.metadata!.name!)).status?.["count"] ?? 0) >= 2 ? true : undefined));
      expect(condition(await get("workflows", "guarded"), "Aborted")).not.toBe("True"); // healthy: it runs on
      expect(await reaches("client", "web")).toBe(false);

      healthy = false;
      await workflowEnds("guarded", "Aborted");
      await gone("networkchaos", chaos.metadata!.name!);
      expect(await reaches("client", "web")).toBe(true);
    } finally {
      http.close();
    }
  }, 300_000);
});
