import { Code, ConnectError } from "@connectrpc/connect";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryDaemonClientPool, type RecordDecoder } from "@faultline/daemon-client";
import type { V1Pod } from "@kubernetes/client-node";
import { parseStressRecordKey, stressChaosManager } from "./stress-chaos-manager.js";

const live = "11111111-2222-3333-4444-555555555555";
const gone = "99999999-2222-3333-4444-555555555555";
const pod = (name: string, nodeName: string): V1Pod => ({ metadata: { namespace: "app", name }, spec: { nodeName, containers: [{ name: "web", image: "busybox" }] } });

/** Daemons in memory on node-1 (and node-2) holding the stressors given, and the manager's sweep over them. */
function setup(running: { [node: string]: { recordKey: string; part: string }[] }, held: string[], options: { unimplementedOn?: string } = {}) {
  const cancelled: string[] = [];
  const renewed: string[] = [];
  const daemonOf = (node: string) => ({
    async listStressors() {
      if (node === options.unimplementedOn) throw new ConnectError("no", Code.Unimplemented);
      return { stressors: (running[node] ?? []).map((s, i) => ({ ...s, uid: `s${i}`, pid: BigInt(100 + i) })) };
    },
    async renewStressorLeases(req: { recordKeys: string[] }) {
      renewed.push(...req.recordKeys.map((k) => `${node} ${k}`));
      return { renewed: req.recordKeys.length };
    },
    async cancelStressors(req: { recordKey: string }) {
      cancelled.push(`${node} ${req.recordKey}`);
      running[node] = (running[node] ?? []).filter((s) => s.recordKey !== req.recordKey);
      return {};
    },
  });
  const pools = { "node-1": createInMemoryDaemonClientPool(daemonOf("node-1")), "node-2": createInMemoryDaemonClientPool(daemonOf("node-2")) };
  const daemons = { clientFor: (node: string, nn: string) => pools[node as keyof typeof pools].clientFor(node, nn), size: () => 2, close: () => undefined };
  const impl = stressChaosManager({ decoder: {} as RecordDecoder, log: () => undefined });
  const asked: string[] = [];
  const logs: string[] = [];
  const ctx: SweepContext = {
    signal: new AbortController().signal,
    dryRun: false,
    holds: async ({ uid }, recordId) => (asked.push(`${uid} ${recordId}`), held.includes(`${uid}/${recordId}`)),
    listPods: async () => [pod("web-0", "node-1"), pod("web-1", "node-2"), pod("web-2", "node-1")],
    daemons,
    log: (message) => void logs.push(message),
  };
  return { impl, ctx, cancelled, renewed, asked, logs };
}

describe("StressChaos sweep", () => {
  it("stops the stressors of a gone StressChaos on every node, and leaves those a running one holds", async () => {
    const { impl, ctx, cancelled, renewed } = setup(
      {
        "node-1": [
          { recordKey: `${gone}/app/web-0/web`, part: "cpu" },
          { recordKey: `${gone}/app/web-0/web`, part: "memory" },
          { recordKey: `${live}/app/web-2/web`, part: "cpu" },
        ],
        "node-2": [{ recordKey: `${gone}/app/web-1/web`, part: "cpu" }],
      },
      [`${live}/app/web-2/web`],
    );
    const swept = await impl.sweep!(ctx);
    expect(cancelled).toEqual([`node-1 ${gone}/app/web-0/web`, `node-2 ${gone}/app/web-1/web`]);
    expect(renewed).toEqual([`node-1 ${live}/app/web-2/web`]); // the held one's lease is renewed, the others' not
    expect(swept).toEqual([
      { pod: { namespace: "app", name: "web-0" }, owner: { uid: gone }, what: "cpu and memory stressor(s) in container web" },
      { pod: { namespace: "app", name: "web-1" }, owner: { uid: gone }, what: "cpu stressor(s) in container web" },
    ]);
  });

  it("a dry run (sweepHeldKeys) reports the stressors of a gone StressChaos, stops none, and still renews the held one's lease", async () => {
    const { impl, ctx, cancelled, renewed } = setup(
      { "node-1": [{ recordKey: `${gone}/app/web-0/web`, part: "cpu" }, { recordKey: `${live}/app/web-2/web`, part: "cpu" }] },
      [`${live}/app/web-2/web`],
    );
    const found = await impl.sweep!({ ...ctx, dryRun: true });
    expect(found).toEqual([{ pod: { namespace: "app", name: "web-0" }, owner: { uid: gone }, what: "cpu stressor(s) in container web" }]);
    expect(cancelled).toEqual([]);
    expect(renewed).toEqual([`node-1 ${live}/app/web-2/web`]);
  });

  it("stops a stressor whose StressChaos exists but no longer holds its record", async () => {
    const { impl, ctx, cancelled } = setup({ "node-1": [{ recordKey: `${live}/app/web-0/web`, part: "cpu" }] }, [`${live}/app/web-9/web`]);
    expect(await impl.sweep!(ctx)).toHaveLength(1);
    expect(cancelled).toEqual([`node-1 ${live}/app/web-0/web`]);
  });

  it("leaves keys it did not make alone, and goes on past a daemon without ListStressors", async () => {
    const { impl, ctx, cancelled, asked, logs } = setup({ "node-2": [{ recordKey: "app/burn/app/web-1/web", part: "cpu" }], "node-1": [{ recordKey: `${gone}/app/web-0/web`, part: "cpu" }] }, [], {
      unimplementedOn: "node-1",
    });
    expect(await impl.sweep!(ctx)).toEqual([]);
    expect(cancelled).toEqual([]);
    expect(asked).toEqual([]);
    expect(logs).toEqual(["StressChaos sweep skipped a node: tried again at the next pass"]);
  });

  it("parses only the record keys the manager makes", () => {
    expect(parseStressRecordKey(`${live}/app/web-0/web`)).toEqual({ uid: live, recordId: "app/web-0/web" });
    expect(parseStressRecordKey("app/burn/app/web-0/web")).toBeUndefined();
    expect(parseStressRecordKey(`${live}/app/web-0`)).toBeUndefined();
    expect(parseStressRecordKey("")).toBeUndefined();
  });
});
