import { Code, ConnectError } from "@connectrpc/connect";
import type { Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { dnsChaos } from "./dns-chaos.js";
import type { DNSChaos } from "./dns-chaos-crd.js";
import { dnsChaosManager } from "./dns-chaos-manager.js";

// The manager impl against in-memory seams: a pod source, and daemons in memory (real Connect
// serialization, real Connect errors, no network) that hold injections by record key as the real
// daemon's ListDNSChaos lists them.
const uid = "11111111-2222-3333-4444-555555555555";
const other = "99999999-2222-3333-4444-555555555555";
const cid = (c: string) => "containerd://" + c.repeat(64);
const podOf = (name: string, nodeName: string, containerId: string, extra: Partial<V1Pod["spec"]> = {}): V1Pod => ({
  metadata: { namespace: "app", name, uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: "main" }], ...extra },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
});

const chaos = (spec: Partial<DNSChaos["spec"]> = {}): DNSChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "DNSChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", action: "error", patterns: ["api.example.test", "*.internal.*"], ...spec },
});
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });
const record = (id: string, phase: Record["phase"] = "Not Injected"): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });

interface Held {
  recordKey: string;
  containerId: string;
  action: string;
  patterns: string[];
}

/** In-memory daemons on each node: what they hold, every call, and whether each can intercept. */
function setup(options: { pods?: V1Pod[]; capable?: { [node: string]: boolean }; unimplemented?: string[]; held?: { [node: string]: Held[] } } = {}) {
  const pods = options.pods ?? [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b"))];
  const held: { [node: string]: Held[] } = { "node-1": [], "node-2": [], ...options.held };
  const calls: string[] = [];
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      async getNodeCapabilities() {
        calls.push(`${node} GetNodeCapabilities`);
        return options.capable?.[node] === false
          ? { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "owner"] } // no nat REDIRECT
          : { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "REDIRECT", "owner"] };
      },
      async execDNSChaos(req, callCtx) {
        calls.push(`${node} ExecDNSChaos ${req.recordKey} ${req.containerId} ${req.action} [${req.patterns.join(" ")}] as ${callCtx.requestHeader.get("namespaced-name")}`);
        held[node] = [...held[node]!.filter((h) => h.recordKey !== req.recordKey), { recordKey: req.recordKey, containerId: req.containerId, action: req.action, patterns: req.patterns }];
        return {};
      },
      async recoverDNSChaos(req) {
        calls.push(`${node} RecoverDNSChaos ${req.recordKey} ${req.containerId}`);
        held[node] = held[node]!.filter((h) => h.recordKey !== req.recordKey);
        return {};
      },
      async listDNSChaos() {
        if (options.unimplemented?.includes(node)) throw new ConnectError("no ListDNSChaos", Code.Unimplemented);
        calls.push(`${node} ListDNSChaos`);
        return { injections: held[node]! };
      },
    });
  const pools = { "node-1": daemonOf("node-1"), "node-2": daemonOf("node-2") };
  const daemons = {
    clientFor: (node: string, nn: string) => {
      const pool = pools[node as keyof typeof pools];
      return pool ? pool.clientFor(node, nn) : createInMemoryDaemonClientPool({}, { nodes: [] }).clientFor(node, nn);
    },
    size: () => 2,
    close: () => undefined,
  };
  const logged: string[] = [];
  const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons });
  const impl = dnsChaosManager({ decoder, log: (message) => logged.push(message) });
  return { impl, calls, held, logged, daemons, pods };
}

describe("dnsChaos on the manager", () => {
  it("is a lasting container kind", () => {
    expect(dnsChaos).toMatchObject({ oneShot: false, selectorKind: "container" });
  });

  it("Apply checks the node can intercept, then sends ExecDNSChaos with the spec's fields and the record key", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Injected");
    expect(calls).toEqual(["node-1 GetNodeCapabilities", `node-1 ExecDNSChaos ${uid}/app/web-0/main ${cid("a")} error [api.example.test *.internal.*] as app/example`]);
  });

  it("sends absent patterns as none (every name), and random as random", async () => {
    const { impl, calls } = setup();
    await impl.apply(ctx(), 0, [record("app/web-0/main")], chaos({ action: "random", patterns: undefined }));
    expect(calls.at(-1)).toBe(`node-1 ExecDNSChaos ${uid}/app/web-0/main ${cid("a")} random [] as app/example`);
  });

  it("asks a node's capabilities once for several records in a row", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-2", "node-1", cid("c"))];
    const { impl, calls } = setup({ pods });
    const records = [record("app/web-0/main"), record("app/web-2/main")];
    await impl.apply(ctx(), 0, records, chaos());
    await impl.apply(ctx(), 1, records, chaos());
    expect(calls.filter((c) => c.includes("GetNodeCapabilities"))).toEqual(["node-1 GetNodeCapabilities"]);
  });

  it("fails a record on a node whose daemon lacks dns/interception, naming the node and the capability, sending nothing", async () => {
    const { impl, calls } = setup({ capable: { "node-2": false } });
    const records = [record("app/web-0/main"), record("app/web-1/main")];
    await expect(impl.apply(ctx(), 1, records, chaos())).rejects.toThrow(
      "node node-2 cannot perform DNSChaos: its daemon lacks dns/interception (redirecting the pod's port 53 needs iptables with the nat table's REDIRECT target and the owner match); nothing was injected",
    );
    await expect(impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    expect(calls.filter((c) => c.includes("ExecDNSChaos"))).toEqual([expect.stringMatching(/^node-1 ExecDNSChaos/)]);
  });

  it("refuses a hostNetwork pod: its network namespace is the node's", async () => {
    const { impl, calls } = setup({ pods: [podOf("web-0", "node-1", cid("a"), { hostNetwork: true })] });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).rejects.toThrow(/uses hostNetwork: intercepting its DNS would change the lookups of node node-1 itself/);
    expect(calls).toEqual([]);
  });

  it("Apply fails clearly for a pod or a container that is not there, calling no daemon", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-9/main")], chaos())).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    await expect(impl.apply(ctx(), 0, [record("app/web-0/sidecar")], chaos())).rejects.toBeInstanceOf(RecordDecodeError);
    expect(calls).toEqual([]);
  });

  it("Recover sends RecoverDNSChaos with the same key, leaving another DNSChaos on the pod", async () => {
    const { impl, calls, held } = setup();
    const records = [record("app/web-0/main")];
    await impl.apply(ctx(), 0, records, chaos());
    const second = { ...chaos({ action: "random", patterns: ["api.example.test"] }), metadata: { name: "second", namespace: "app", uid: other } };
    await impl.apply({ ...ctx(), namespacedName: "app/second" }, 0, records, second);
    await expect(impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    expect(calls.at(-1)).toBe(`node-1 RecoverDNSChaos ${uid}/app/web-0/main ${cid("a")}`);
    expect(held["node-1"]!.map((h) => h.recordKey)).toEqual([`${other}/app/web-0/main`]);
  });

  it("Recover of a pod that is gone is done: its interception went with its network namespace", async () => {
    const { impl, calls, logged } = setup();
    await expect(impl.recover(ctx(), 0, [record("app/web-9/main")], chaos())).resolves.toBe("Not Injected");
    expect(calls).toEqual([]);
    expect(logged).toContain("DNSChaos target gone: its interception went with it");
  });

  it("Recover on a daemon without RecoverDNSChaos (an older one, which could not have injected) is done, so deletion never sticks", async () => {
    const pods = [podOf("web-0", "node-1", cid("a"))];
    const old = createInMemoryDaemonClientPool({}, { nodes: ["node-1"] }); // every RPC answers Unimplemented
    const impl = dnsChaosManager({ decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons: old }), log: () => undefined });
    await expect(impl.recover(ctx(), 0, [record("app/web-0/main")], chaos())).resolves.toBe("Not Injected");
    await expect(impl.apply(ctx(), 0, [record("app/web-0/main")], chaos())).rejects.toMatchObject({ code: Code.Unimplemented });
  });

});

describe("DNSChaos lost injections", () => {
  it("finds Injected records whose key the daemon no longer holds (a recreated pod, an interception the daemon removed)", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b")), podOf("web-2", "node-1", cid("c"))];
    const { impl, held } = setup({ pods });
    const records = [record("app/web-0/main", "Injected"), record("app/web-1/main", "Injected"), record("app/web-2/main", "Injected"), record("app/web-9/main", "Injected")];
    for (const i of [0, 1, 2]) await impl.apply(ctx(), i, records, chaos());
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    held["node-2"] = []; // the daemon lost web-1's
    held["node-1"] = held["node-1"]!.filter((h) => !h.recordKey.endsWith("web-2/main")); // and web-2's
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([1, 2]);
  });

  it("does not count a restarted container's record lost: the interception is its pod's, and stays", async () => {
    const { impl, held } = setup();
    const records = [record("app/web-0/main", "Injected")];
    await impl.apply(ctx(), 0, records, chaos());
    held["node-1"] = held["node-1"]!.map((h) => ({ ...h, containerId: cid("f") })); // listed under the container id it was injected with
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
  });

  it("asks only about Injected records, and cannot tell on a daemon without ListDNSChaos", async () => {
    const { impl, calls } = setup({ unimplemented: ["node-2"] });
    const records = [record("app/web-0/main"), record("app/web-1/main", "Injected")];
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    expect(calls).toEqual([]); // node-1's record is not Injected; node-2 answered Unimplemented
  });
});

describe("DNSChaos sweep", () => {
  function sweepContext(setupResult: ReturnType<typeof setup>, holds: string[]) {
    const asked: string[] = [];
    const logs: string[] = [];
    const ctx: SweepContext = {
      signal: new AbortController().signal,
      dryRun: false,
      holds: async ({ uid: owner }, recordId) => (asked.push(`${owner} ${recordId}`), holds.includes(`${owner}/${recordId}`)),
      listPods: async () => setupResult.pods,
      daemons: setupResult.daemons,
      log: (message) => void logs.push(message),
    };
    return { ctx, asked, logs };
  }

  it("recovers the keys no DNSChaos holds on every node, and leaves those a running one holds", async () => {
    const injection = (key: string, containerId: string): Held => ({ recordKey: key, containerId, action: "error", patterns: ["api.example.test"] });
    const s = setup({
      held: {
        "node-1": [injection(`${other}/app/web-0/main`, cid("a")), injection(`${uid}/app/web-0/main`, cid("a"))],
        "node-2": [{ ...injection(`${other}/app/web-1/main`, cid("b")), action: "random", patterns: [] }],
      },
    });
    const { ctx, asked } = sweepContext(s, [`${uid}/app/web-0/main`]);
    const swept = await s.impl.sweep(ctx);
    expect(asked).toEqual([`${other} app/web-0/main`, `${uid} app/web-0/main`, `${other} app/web-1/main`]);
    expect(s.calls.filter((c) => c.includes("RecoverDNSChaos"))).toEqual([`node-1 RecoverDNSChaos ${other}/app/web-0/main ${cid("a")}`, `node-2 RecoverDNSChaos ${other}/app/web-1/main ${cid("b")}`]);
    expect(s.held["node-1"]!.map((h) => h.recordKey)).toEqual([`${uid}/app/web-0/main`]);
    expect(swept).toEqual([
      { pod: { namespace: "app", name: "web-0" }, owner: { uid: other }, what: "DNS error for names matching api.example.test (container main)" },
      { pod: { namespace: "app", name: "web-1" }, owner: { uid: other }, what: "DNS random for every name (container main)" },
    ]);
  });

  it("leaves keys it did not make alone, and goes on past a daemon without ListDNSChaos", async () => {
    const s = setup({ unimplemented: ["node-1"], held: { "node-2": [{ recordKey: "app/example/app/web-1/main", containerId: cid("b"), action: "error", patterns: [] }] } });
    const { ctx, asked, logs } = sweepContext(s, []);
    expect(await s.impl.sweep(ctx)).toEqual([]);
    expect(asked).toEqual([]);
    expect(s.calls.filter((c) => c.includes("RecoverDNSChaos"))).toEqual([]);
    expect(logs).toEqual(["DNSChaos sweep skipped a node: tried again at the next pass"]);
  });
});
