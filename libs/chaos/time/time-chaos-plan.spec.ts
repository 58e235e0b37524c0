import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { TimeRequestSchema } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { callDaemonHandler } from "@faultline/daemon-server";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import type { TimeChaos } from "./time-chaos-crd.js";
import { cid, notInjectedRecords, planCtx as ctx, planPod as pod, planUid as uid, planThenApply, recordingManager } from "../record-plan/record-plan.test-support.js";
import { timeChaosManager } from "./time-chaos-manager.js";
import { createTimeChaosDaemon } from "./time-chaos-daemon.js";
import { timeSkewArgv, timeSkewKey, type TimeSkewEntry, type TimeSkewHelper } from "./time-skew-helper.js";

// TimeChaos's plan against in-memory seams: what it shows is what apply sends (a recording daemon),
// and the helper argv carries the daemon's own entry of that request.
const pods = [pod("web-0", "node-1", cid("a")), pod("web-1", "node-2", cid("b")), pod("web-2", "node-1", undefined)];
const chaos: TimeChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "TimeChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", timeOffset: "-1h30m0.5s", clockIds: ["CLOCK_REALTIME", "CLOCK_MONOTONIC"] },
};
const records = notInjectedRecords(["app/web-0/main", "app/web-1/main", "app/web-2/main"]);
const capabilities = (node: string) =>
  node === "node-2" ? { nodeName: node, timeVdsoSkew: false, notes: ["time/vdso-skew: Yama ptrace_scope is 3: no process may be ptraced on this node"] } : { nodeName: node, timeVdsoSkew: true };

const setup = recordingManager(pods, capabilities, "setTimeOffset", TimeRequestSchema, (decoder) => timeChaosManager({ decoder, log: () => undefined }));

describe("TimeChaos plan", () => {
  it("shows the SetTimeOffset request apply sends, and the helper's probe and set with the daemon's entry", async () => {
    const { plan, sent } = await planThenApply(setup(), 0, records, chaos);
    expect(sent).toHaveLength(1);
    expect(plan.capable).toBe(true);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.rpc).toBe("SetTimeOffset");
    expect(plan.steps[0]!.request).toEqual(sent[0]);
    expect(plan.steps[0]!.request).toMatchObject({ containerId: cid("a"), sec: "-5400", nsec: "-500000000", clkIdsMask: "3", podContainerName: "uid-web-0:main" });
    const key = timeSkewKey(`${uid}/app/web-0/main`);
    expect(plan.steps[0]!.argv).toEqual([
      ["faultline-time-skew", "probe", "--timeout-ms", "5000", `<host pid of container ${cid("a")}>`],
      ["faultline-time-skew", "set", "--timeout-ms", "5000", "--entry", `${key}:3:-5400:-500000000`, `<host pids of every process of container ${cid("a")}>`],
    ]);
  });

  it("is not capable on a node whose daemon cannot skew, naming the node and the reason, and still shows the steps", async () => {
    const { impl, sent } = setup();
    const plan = await impl.plan(ctx(), 1, records, chaos);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toContain("node node-2 cannot perform TimeChaos");
    expect(plan.reason).toContain("Yama ptrace_scope is 3");
    expect(plan.steps[0]!.request).toMatchObject({ containerId: cid("b") });
    expect(sent).toEqual([]);
  });

  it("says a node without a daemon cannot perform it", async () => {
    const lonely: V1Pod = { ...pods[0]!, metadata: { ...pods[0]!.metadata, name: "web-9" }, spec: { ...pods[0]!.spec!, nodeName: "node-9" } };
    const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods: [lonely] }), daemons: createInMemoryDaemonClientPool({}, { nodes: ["node-1"] }) });
    const plan = await timeChaosManager({ decoder, log: () => undefined }).plan(ctx(), 0, [{ ...records[0]!, id: "app/web-9/main" }], chaos);
    expect(plan).toEqual({ capable: false, reason: expect.stringContaining("no chaos daemon found for node node-9"), steps: [] });
  });

  it("says why a record whose container has not started cannot be planned", async () => {
    const { impl } = setup();
    const plan = await impl.plan(ctx(), 2, records, chaos);
    expect(plan).toEqual({ capable: false, reason: expect.stringContaining("app/web-2/main"), steps: [] });
  });
});

describe("TimeChaos plan against the daemon's own handler", () => {
  it("the entry in the plan's set argv is the one SetTimeOffset gives the container's processes", async () => {
    const { impl } = setup();
    const plan = await impl.plan(ctx(), 0, records, chaos);
    const given: { pids: readonly number[]; entries: readonly TimeSkewEntry[] }[] = [];
    const probed: number[] = [];
    const helper: TimeSkewHelper = {
      status: async (pids) => pids.map((pid) => ({ pid, state: "clean" as const })),
      set: async (pids, entries) => (given.push({ pids, entries }), pids.map((pid) => ({ pid, state: "skewed" as const, entries: [...entries] }))),
      probe: async (pid) => (probed.push(pid), { ok: true }),
    };
    const root = mkdtempSync(join(tmpdir(), "faultline-time-plan-"));
    const runtime = { getPid: async () => 4242 };
    const daemon = createTimeChaosDaemon({ runtime, runner: {} } as unknown as DaemonKindDeps, { helper, stateDir: join(root, "state"), paths: { procRoot: join(root, "proc"), cgroupRoot: join(root, "cgroup") }, watchIntervalMs: 0 });
    try {
      await callDaemonHandler(daemon.handlers, "setTimeOffset", fromJson(TimeRequestSchema, plan.steps[0]!.request as JsonValue));
      expect(probed).toEqual([4242]);
      expect(given).toEqual([{ pids: [4242], entries: [expect.objectContaining({ mask: 3, sec: -5400, nsec: -500000000 })] }]);
      const [probe, set] = plan.steps[0]!.argv!;
      expect(probe!.slice(1, -1)).toEqual(timeSkewArgv({ command: "probe", pid: 4242 }).slice(0, -1));
      expect(set!.slice(1, -1)).toEqual(timeSkewArgv({ command: "set", pids: given[0]!.pids, entries: given[0]!.entries }).slice(0, -1));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
