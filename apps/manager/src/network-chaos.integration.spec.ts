import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CoreV1Api, CoreV1Event, CustomObjectsApi } from "@kubernetes/client-node";
import type { NetworkChaos } from "@faultline/chaos/network";
import { eventually as eventuallyWithin, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestDaemon, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";
import { WebPods } from "./web-pods.test-support.js";

// NetworkChaos end to end on the local cluster's real kubelet: pods with their own network
// namespaces on the cluster's bridge, the built manager and daemon as processes, and traffic
// between the pods through busybox wget run in the client pod's network namespace.
const run = promisify(execFile);
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs, 500);

describe("NetworkChaos end to end between real kubelet pods", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: string;
  let daemon: AppProcess;
  let manager: AppProcess;
  let web: WebPods;
  const startPod = (name: string, app: string) => web.start(name, app);
  const pidOf = async (name: string) => String(await web.pidOf(name));
  const reaches = (from: string, to: string) => web.reaches(from, to);
  const expectReach = async (pairs: [string, string, boolean][]) => {
    for (const [from, to, ok] of pairs) expect([from, to, await reaches(from, to)]).toEqual([from, to, ok]);
  };

  const create = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...group, namespace: ns, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name }, spec } });
  const get = async (name: string) => (await custom.getNamespacedCustomObject({ ...group, namespace: ns, name })) as NetworkChaos;
  const until = (name: string, type: string) =>
    eventually(`${name} ${type}`, async () => ((await get(name)).status?.conditions?.find((c) => c.type === type)?.status === "True" ? true : undefined));
  const remove = async (name: string) => {
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns, name });
    await eventually(`${name} to be deleted`, () => get(name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));
  };
  const events = async (name: string): Promise<CoreV1Event[]> => (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items;
  const partition = (target: string) => ({ action: "partition", mode: "all", selector: { labelSelectors: { app: "client" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: target } } } });

  beforeAll(async () => {
    ground = await startKubeletGround("netchaos-e2e");
    ({ core, custom, daemon } = ground);
    ns = ground.ns.name;
    manager = await startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort: await freePort() });
    web = new WebPods(core, ns, ground.cluster.containerdSocket);
    for (const [name, app] of [["client", "client"], ["web", "web"], ["other", "other"]]) await startPod(name!, app!);
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await daemon?.stop();
    await ground?.ns.remove();
  }, 180_000);

  it("partition (to): the client cannot reach the target, still reaches the others, and the others still reach the target; deletion restores it", async () => {
    await expectReach([["client", "web", true], ["client", "other", true], ["other", "web", true]]);
    await create("cut-web", partition("web"));
    await until("cut-web", "AllInjected");
    await expectReach([["client", "web", false], ["client", "other", true], ["other", "web", true], ["web", "other", true]]);
    await remove("cut-web");
    await expectReach([["client", "web", true], ["client", "other", true]]);
  }, 240_000);

  it("two partitions on the client compose and recover separately", async () => {
    await create("cut-web", partition("web"));
    await create("cut-other", partition("other"));
    await until("cut-web", "AllInjected");
    await until("cut-other", "AllInjected");
    await expectReach([["client", "web", false], ["client", "other", false], ["other", "web", true]]);
    await remove("cut-other");
    await expectReach([["client", "web", false], ["client", "other", true]]);
    await remove("cut-web");
    await expectReach([["client", "web", true], ["client", "other", true]]);
  }, 240_000);

  it("after a daemon restart the rules are still there, and what is sent next keeps them", async () => {
    await create("cut-web", partition("web"));
    await until("cut-web", "AllInjected");
    await daemon.stop();
    ground.daemon = daemon = (await startTestDaemon(ground.daemonSocket, ground.cluster.containerdSocket)).daemon;
    await expectReach([["client", "web", false]]);
    // a new experiment on the client: its state is derived again from both, nothing is lost
    await create("cut-other", partition("other"));
    await until("cut-other", "AllInjected");
    await expectReach([["client", "web", false], ["client", "other", false]]);
    await remove("cut-other");
    await expectReach([["client", "web", false], ["client", "other", true]]);
  }, 240_000);

  it("a client pod recreated under the same name gets the partition again while it runs", async () => {
    const before = web.pods["client"]!.metadata!.uid;
    await core.deleteNamespacedPod({ namespace: ns, name: "client", gracePeriodSeconds: 0 });
    await eventually("the old client gone", async () => ((await core.listNamespacedPod({ namespace: ns })).items.some((p) => p.metadata?.name === "client") ? undefined : true));
    await startPod("client", "client");
    expect(web.pods["client"]!.metadata!.uid).not.toBe(before);
    await eventually("the partition on the new client", async () => ((await reaches("client", "web")) ? undefined : true), 60_000);
    await expectReach([["client", "web", false], ["client", "other", true]]);
    expect(await events("cut-web")).toContainEqual(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^Re-applied chaos for .*${ns}/client\\b`)) }));
    await remove("cut-web");
    await expectReach([["client", "web", true]]);
  }, 240_000);

  it("loss without correlation is injected with iptables' statistic match on this netem-less kernel, said in an event, and recovered", async () => {
    const iptables = async () => (await run("nsenter", ["-t", await pidOf("client"), "-n", "--", "iptables-save"])).stdout;
    await create("lossy", { action: "loss", mode: "all", selector: { labelSelectors: { app: "client" } }, loss: { loss: "50" } });
    await until("lossy", "AllInjected");
    expect(await events("lossy")).toContainEqual(
      expect.objectContaining({ reason: "Fallback", message: expect.stringContaining("the node has no sch_netem: loss 50% is done with iptables' statistic match") }),
    );
    expect(await iptables()).toMatch(/statistic --mode random --probability 0\.5/);
    await remove("lossy");
    expect(await iptables()).not.toMatch(/statistic/);
  }, 240_000);

  it("Chaos Mesh's delay example gets the kernel check's Failed event on this kernel, and nothing is injected", async () => {
    await create("network-delay-example", {
      action: "delay",
      mode: "one",
      selector: { labelSelectors: { app: "client" } },
      delay: { latency: "90ms", correlation: "25", jitter: "90ms" },
      duration: "10s",
    });
    const failed = await eventually("the kernel check's Failed event", async () =>
      (await events("network-delay-example")).find((e) => e.reason === "Failed" && /cannot perform this injection/.test(e.message ?? "")),
    );
    expect(failed.message).toMatch(new RegExp(`node ${web.pods["client"]!.spec!.nodeName} cannot perform this injection: missing qdisc/netem`));
    await expectReach([["client", "web", true]]);
    const { stdout } = await run("nsenter", ["-t", await pidOf("client"), "-n", "--", "tc", "qdisc", "show", "dev", "eth0"]);
    expect(stdout).not.toMatch(/netem|tbf|prio/);
    await remove("network-delay-example");
  }, 240_000);
});
