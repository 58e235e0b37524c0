import { ExecIOChaosRequestSchema } from "@faultline/api";
import type { IOChaos } from "./io-chaos-crd.js";
import { cid, notInjectedRecords, planCtx as ctx, planPod as pod, planUid as uid, planThenApply, recordingManager } from "../record-plan/record-plan.test-support.js";
import { ioChaosManager } from "./io-chaos-manager.js";
import { iofsKey } from "./iofs-helper.js";

// IOChaos's plan against in-memory seams: what it shows is what apply sends (a recording daemon),
// and the helper argv is the daemon's builders' for that request.
const pods = [pod("db-0", "node-1", cid("a")), pod("db-1", "node-2", cid("b")), pod("db-2", "node-1", undefined)];
const chaos: IOChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "IOChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", action: "fault", errno: 5, percent: 50, path: "/data/**", volumePath: "/data/", methods: ["read"] },
};
const records = notInjectedRecords(["app/db-0/main", "app/db-1/main", "app/db-2/main"]);
const capabilities = (node: string) => (node === "node-2" ? { nodeName: node, ioFuse: false, notes: ["io/fuse: /dev/fuse cannot be opened: ENOENT"] } : { nodeName: node, ioFuse: true });

const setup = recordingManager(pods, capabilities, "execIOChaos", ExecIOChaosRequestSchema, (decoder) => ioChaosManager({ decoder, log: () => undefined }));

describe("IOChaos plan", () => {
  it("shows the ExecIOChaos request apply sends, and faultline-iofs check/serve and faultline-fd-swap for the normalised volume", async () => {
    const { plan, sent } = await planThenApply(setup(), 0, records, chaos);
    expect(plan.capable).toBe(true);
    const [step] = plan.steps;
    expect(plan.steps).toHaveLength(1);
    expect(step!.rpc).toBe("ExecIOChaos");
    expect(step!.request).toEqual(sent[0]);
    expect(step!.request).toMatchObject({ containerId: cid("a"), volumePath: "/data/", recordKey: `${uid}/app/db-0/main` });
    const key = iofsKey(cid("a"), "/data");
    const pid = `<host pid of container ${cid("a")}>`;
    expect(step!.argv).toEqual([
      ["faultline-iofs", "check", "--pid", pid, "--volume", "/data"],
      [
        "faultline-iofs", "serve", "--pid", pid, "--volume", "/data",
        "--config", `<daemon's io state dir>/volumes/${key}.conf`, "--key", key, "--log", `<daemon's io state dir>/volumes/${key}.log`,
        "--join-cgroup", `/sys/fs/cgroup/<cgroup of container ${cid("a")}>/cgroup.procs`,
      ],
      ["faultline-fd-swap", "--volume", "/data", "--timeout-ms", "5000", `<host pids of every process of container ${cid("a")}>`],
    ]);
    // the config the server is given: errno 5 on read, half of the time, for /data/**
    expect(step!.note).toMatch(/the config: .*5/);
    expect(step!.note).toContain("/data/**");
  });

  it("is not capable on a node without io/fuse, naming the node and why", async () => {
    const { impl, sent } = setup();
    const plan = await impl.plan(ctx(), 1, records, chaos);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toContain("node node-2 cannot perform IOChaos");
    expect(plan.reason).toContain("/dev/fuse cannot be opened");
    expect(sent).toEqual([]);
  });

  it("says why a record whose container has not started cannot be planned", async () => {
    const { impl } = setup();
    expect(await impl.plan(ctx(), 2, records, chaos)).toEqual({ capable: false, reason: expect.stringContaining("app/db-2/main"), steps: [] });
  });

  it("shows the daemon's refusal of an action it does not take, with the request and no commands", async () => {
    const { impl, sent } = setup();
    const bad: IOChaos = { ...chaos, spec: { ...chaos.spec, action: "latency", delay: "soon" } };
    const plan = await impl.plan(ctx(), 0, records, bad);
    expect(plan.capable).toBe(false);
    expect(plan.reason).toMatch(/^the daemon of node node-1 would refuse ExecIOChaos: \[invalid_argument\] action\.latency/);
    expect(plan.steps).toEqual([{ on: "daemon", rpc: "ExecIOChaos", request: expect.objectContaining({ volumePath: "/data/" }) }]);
    expect(sent).toEqual([]);
  });
});
