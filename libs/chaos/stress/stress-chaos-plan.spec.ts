import { toJson } from "@bufbuild/protobuf";
import { ExecStressRequestSchema, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import type { StressChaos } from "./stress-chaos-crd.js";
import { stressChaosManager } from "./stress-chaos-manager.js";
import { stressorSetprivArgs } from "./stressor-processes.js";

// StressChaos's plan against in-memory seams: the request it shows is the one apply sends (a
// recording daemon), the commands are the daemon's own (its checks, stress-ng arguments, launcher).
const cid = (c: string) => "containerd://" + c.repeat(64);
const pods: V1Pod[] = [
  { metadata: { namespace: "app", name: "web-0" }, spec: { nodeName: "node-1", containers: [{ name: "main" }] }, status: { containerStatuses: [{ name: "main", containerID: cid("a"), image: "busybox", imageID: "", ready: true, restartCount: 0 }] } },
  { metadata: { namespace: "app", name: "web-1" }, spec: { nodeName: "node-2", containers: [{ name: "main" }] }, status: { containerStatuses: [{ name: "main", containerID: cid("b"), image: "busybox", imageID: "", ready: true, restartCount: 0 }] } },
  { metadata: { namespace: "app", name: "web-2" }, spec: { nodeName: "node-1", containers: [{ name: "main" }] }, status: {} },
];
const chaos = (spec: Partial<StressChaos["spec"]>): StressChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "StressChaos",
  metadata: { namespace: "app", name: "burn", uid: "chaos-uid-1" },
  spec: { selector: { namespaces: ["app"] }, mode: "all", ...spec },
});
const ctx = { signal: new AbortController().signal, namespacedName: "app/burn" };
const records: Record[] = ["app/web-0/main", "app/web-1/main", "app/web-2/main"].map((id) => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }));

function setup() {
  const sent: unknown[] = [];
  let capabilityQuestions = 0;
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool(
      {
        async getNodeCapabilities() {
          capabilityQuestions++;
          return { nodeName: node, stressNg: node === "node-1" };
        },
        async execStressors(req) {
          sent.push(toJson(ExecStressRequestSchema, req));
          return { cpuInstance: "1", cpuStartTime: 1n, cpuInstanceUid: "u", memoryInstance: "", memoryStartTime: 0n, memoryInstanceUid: "" };
        },
      },
    );
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = { clientFor: (node: string, nn: string) => pools[node as keyof typeof pools].clientFor(node, nn), size: () => 2, close: () => undefined };
  const impl = stressChaosManager({ decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons }), log: () => {} });
  return { impl, sent, asked: () => capabilityQuestions };
}

const setpriv = ["setpriv", ...stressorSetprivArgs, "--", "stress-ng"];

describe("StressChaos plan", () => {
  it("shows the ExecStressors request apply sends and the stress-ng commands the daemon runs for it, per stressor", async () => {
    const { impl, sent } = setup();
    const obj = chaos({ stressors: { cpu: { workers: 2, load: 50 }, memory: { workers: 1, size: "64MB", oomScoreAdj: -100 } } });
    const plan = await impl.plan!(ctx, 0, records, obj);
    expect(sent).toEqual([]); // nothing started
    await impl.apply(ctx, 0, records, obj);
    expect(plan.capable).toBe(true);
    expect(plan.steps).toHaveLength(1);
    const [step] = plan.steps;
    expect(step).toMatchObject({ on: "daemon", rpc: "ExecStressors", request: sent[0] });
    const pid = `<host pid of ${cid("a")}>`;
    expect(step!.argv).toEqual([
      ["nsenter", `--target=${pid}`, "--pid", "--", ...setpriv, "--temp-path", "<the stressor's own tmpfs>", "--timeout", "0", "--cpu-load-slice", "10", "--cpu-method", "sqrt", "--cpu", "2", "--cpu-load", "50"],
      ["choom", "-n", "-100", "--", "nsenter", `--target=${pid}`, "--pid", "--", ...setpriv, "--temp-path", "<the stressor's own tmpfs>", "--timeout", "0", "--no-oom-adjust", "--vm", "1", "--vm-bytes", "64000000b", "--vm-keep", "--vm-hang", "0"],
    ]);
    expect(step!.note).toMatch(/^each stressor: xargs -0 -r -- … is moved into the container's cgroups/);
  });

  it("a size in percent is the node's to resolve: said so in the command", async () => {
    const { impl } = setup();
    const plan = await impl.plan!(ctx, 0, records, chaos({ stressors: { memory: { workers: 2, size: "50%" } } }));
    expect(plan.steps[0]!.argv).toEqual([expect.arrayContaining(["--vm", "2", "--vm-bytes", "<50% of the container's memory limit, else of the node's memory>"])]);
  });

  it("a node whose daemon lacks stress-ng is not capable, naming the node; an unstarted container says why", async () => {
    const { impl } = setup();
    const obj = chaos({ stressors: { cpu: { workers: 1 } } });
    await expect(impl.plan!(ctx, 1, records, obj)).resolves.toMatchObject({ capable: false, reason: "node node-2 lacks stress-ng (the daemon cannot run it)", steps: [{ rpc: "ExecStressors" }] });
    await expect(impl.plan!(ctx, 2, records, obj)).resolves.toEqual({ capable: false, reason: expect.stringMatching(/main/), steps: [] });
  });

  it("stressors the daemon refuses: not capable, the daemon's refusal as reason, the request still shown, no command", async () => {
    const { impl } = setup();
    const plan = await impl.plan!(ctx, 0, records, chaos({ stressngStressors: "--cpu 1 --hdd 1" }));
    expect(plan.capable).toBe(false);
    expect(plan.reason).toMatch(/^the daemon of node node-1 would refuse ExecStressors: .*--hdd/);
    expect(plan.steps[0]!.argv).toBeUndefined();
    expect(plan.steps[0]!.request).toMatchObject({ cpuStressors: "--cpu 1 --hdd 1" });
  });
});
