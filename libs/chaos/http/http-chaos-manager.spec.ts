import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder, RecordDecodeError } from "@faultline/daemon-client";
import type { SweepContext } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { CoreV1Api, V1Pod, V1Secret } from "@kubernetes/client-node";
import { parse } from "yaml";
import { httpChaos } from "./http-chaos.js";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { httpChaosManager, httpRulesOf, tlsPassThroughMessage } from "./http-chaos-manager.js";
import { parseHttpRules } from "./proxy/http-rules.js";

// The manager impl against in-memory seams: a pod source, Secrets in memory, and daemons in memory
// (real Connect serialization, real Connect errors, no network) that hold injections by record key as
// the real daemon's ListHTTPChaos lists them.
const uid = "11111111-2222-3333-4444-555555555555";
const other = "99999999-2222-3333-4444-555555555555";
const cid = (c: string) => "containerd://" + c.repeat(64);
const podOf = (name: string, nodeName: string, containerId: string, extra: Partial<V1Pod["spec"]> = {}): V1Pod => ({
  metadata: { namespace: "app", name, uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: "main" }, { name: "sidecar" }], ...extra },
  status: { containerStatuses: [{ name: "main", containerID: containerId, image: "nginx", imageID: "", ready: true, restartCount: 0 }] },
});

const example = (): HTTPChaos => parse(readFileSync(new URL("./examples/http-patch-response.yaml", import.meta.url), "utf8"));
const chaos = (spec: Partial<HTTPChaos["spec"]> = {}): HTTPChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HTTPChaos",
  metadata: { name: "example", namespace: "app", uid },
  spec: { selector: { namespaces: ["app"] }, mode: "all", target: "Request", port: 8080, path: "/api/*", abort: true, ...spec },
});
const ctx = () => ({ signal: new AbortController().signal, namespacedName: "app/example" });
const record = (id: string, phase: Record["phase"] = "Not Injected"): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });
const b64 = (text: string) => Buffer.from(text).toString("base64");

interface Held {
  recordKey: string;
  containerId: string;
  rules: string;
}

/** In-memory daemons on each node: what they hold, every call, and whether each can intercept. */
function setup(
  options: { pods?: V1Pod[]; capable?: { [node: string]: boolean }; unimplemented?: string[]; held?: { [node: string]: Held[] }; secrets?: V1Secret[]; refuse?: string } = {},
) {
  const pods = options.pods ?? [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b"))];
  const held: { [node: string]: Held[] } = { "node-1": [], "node-2": [], ...options.held };
  const calls: string[] = [];
  const sent: { rules: unknown; tls: string }[] = [];
  const daemonOf = (node: string) =>
    createInMemoryDaemonClientPool({
      async getNodeCapabilities() {
        calls.push(`${node} GetNodeCapabilities`);
        return options.capable?.[node] === false
          ? { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "owner"] } // no nat REDIRECT
          : { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "REDIRECT", "owner"] };
      },
      async execHTTPChaos(req, callCtx) {
        if (options.refuse) throw new ConnectError(options.refuse, Code.InvalidArgument);
        calls.push(`${node} ExecHTTPChaos ${req.recordKey} ${req.containerId} as ${callCtx.requestHeader.get("namespaced-name")}`);
        sent.push({ rules: JSON.parse(req.rules), tls: req.tls });
        held[node] = [...held[node]!.filter((h) => h.recordKey !== req.recordKey), { recordKey: req.recordKey, containerId: req.containerId, rules: req.rules }];
        return {};
      },
      async recoverHTTPChaos(req) {
        calls.push(`${node} RecoverHTTPChaos ${req.recordKey} ${req.containerId}`);
        held[node] = held[node]!.filter((h) => h.recordKey !== req.recordKey);
        return {};
      },
      async listHTTPChaos() {
        if (options.unimplemented?.includes(node)) throw new ConnectError("no ListHTTPChaos", Code.Unimplemented);
        calls.push(`${node} ListHTTPChaos`);
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
  const secretsRead: string[] = [];
  const core = {
    async readNamespacedSecret({ namespace, name }: { namespace: string; name: string }) {
      secretsRead.push(`${namespace}/${name}`);
      const secret = (options.secrets ?? []).find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name);
      if (!secret) throw Object.assign(new Error(`secrets "${name}" not found`), { code: 404 });
      return secret;
    },
  } as Pick<CoreV1Api, "readNamespacedSecret">;
  const logged: string[] = [];
  const events: string[] = [];
  const decoder = createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons });
  const impl = httpChaosManager({
    decoder,
    core,
    log: (message) => logged.push(message),
    event: async (obj, type, reason, message) => void events.push(`${obj.metadata.name} ${type} ${reason}: ${message}`),
  });
  return { impl, calls, held, sent, logged, events, secretsRead, daemons, pods };
}

describe("httpChaos on the manager", () => {
  it("is a lasting pod kind", () => {
    expect(httpChaos).toMatchObject({ oneShot: false, selectorKind: "pod" });
  });

  it("Apply checks the node can intercept, then sends ExecHTTPChaos with the record key and the rule, through the pod's first container", async () => {
    const { impl, calls, sent } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos())).resolves.toBe("Injected");
    expect(calls).toEqual(["node-1 GetNodeCapabilities", `node-1 ExecHTTPChaos ${uid}/app/web-0 ${cid("a")} as app/example`]);
    expect(sent).toEqual([{ rules: [{ target: "Request", selector: { port: 8080, path: "/api/*" }, actions: { abort: true }, source: "app/example", port: 8080 }], tls: "" }]);
  });

  it("builds Chaos Mesh's rule from Chaos Mesh's http-patch-response example, one the proxy's strict parser takes as it is", () => {
    const obj = example();
    const rules = httpRulesOf(obj.spec, "nginx/http-patch-response");
    expect(rules).toEqual([
      {
        target: "Response",
        selector: { port: 80, path: "/api" },
        actions: { patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } } },
        source: "nginx/http-patch-response",
        port: 80,
      },
    ]);
    expect(parseHttpRules(JSON.parse(JSON.stringify(rules)))).toEqual(rules);
  });

  it("carries every selector field and every action into the rule, leaving absent ones and abort: false out", () => {
    const response = chaos({
      target: "Response",
      code: 200,
      method: "GET",
      request_headers: { Accept: "application/json" },
      response_headers: { "Content-Type": "application/json" },
      abort: false,
      delay: "150ms",
      replace: { code: 503, body: b64("down"), headers: { "Retry-After": "1" } },
      patch: { headers: [["X-Chaos", "1"]], body: { type: "JSON", value: '{"ok": false}' } },
    });
    const [rule] = httpRulesOf(response.spec, "app/example");
    expect(rule).toEqual({
      target: "Response",
      selector: { port: 8080, path: "/api/*", method: "GET", code: 200, request_headers: { Accept: "application/json" }, response_headers: { "Content-Type": "application/json" } },
      actions: { delay: "150ms", replace: { code: 503, body: b64("down"), headers: { "Retry-After": "1" } }, patch: { headers: [["X-Chaos", "1"]], body: { type: "JSON", value: '{"ok": false}' } } },
      source: "app/example",
      port: 8080,
    });
    const request = chaos({ abort: undefined, path: undefined, replace: { path: "/v2", method: "POST", queries: { a: "1" }, body: "" }, patch: { queries: [["b", "2"]] } });
    const rules = httpRulesOf(request.spec, "app/example");
    expect(rules[0]!.selector).toEqual({ port: 8080 });
    for (const r of [rule, ...rules]) expect(parseHttpRules(JSON.parse(JSON.stringify([r])))).toEqual([r]);
  });

  it("without tls, records a Normal Event at each Apply that TLS on the port passes through untouched", async () => {
    const { impl, events } = setup();
    const records = [record("app/web-0"), record("app/web-1")];
    await impl.apply(ctx(), 0, records, chaos());
    await impl.apply(ctx(), 1, records, chaos());
    expect(events).toEqual([`example Normal TLSPassedThrough: ${tlsPassThroughMessage(8080)}`, `example Normal TLSPassedThrough: ${tlsPassThroughMessage(8080)}`]);
    expect(tlsPassThroughMessage(8080)).toMatch(/^no tls is set: TLS connections on port 8080 pass through the proxy untouched/);
  });

  it("with tls, reads the Secret (the chaos's namespace, tls.crt and tls.key by default) and sends the PEMs; no pass-through Event", async () => {
    const secrets: V1Secret[] = [
      { metadata: { namespace: "app", name: "server-tls" }, data: { "tls.crt": b64("CERT PEM"), "tls.key": b64("KEY PEM") } },
      { metadata: { namespace: "certs", name: "other" }, data: { "c.pem": b64("C"), "k.pem": b64("K"), "ca.pem": b64("CA") } },
    ];
    const { impl, sent, events, secretsRead } = setup({ secrets });
    await impl.apply(ctx(), 0, [record("app/web-0")], chaos({ tls: { secretName: "server-tls" } }));
    await impl.apply(ctx(), 0, [record("app/web-0")], chaos({ tls: { secretName: "other", secretNamespace: "certs", certName: "c.pem", keyName: "k.pem", caName: "ca.pem" } }));
    expect(secretsRead).toEqual(["app/server-tls", "certs/other"]);
    expect(sent.map((s) => JSON.parse(s.tls))).toEqual([{ cert: "CERT PEM", key: "KEY PEM" }, { cert: "C", key: "K", ca: "CA" }]);
    expect(events).toEqual([]);
  });

  it("fails a record whose tls Secret or key is missing, naming the field, sending nothing", async () => {
    const secrets: V1Secret[] = [{ metadata: { namespace: "app", name: "server-tls" }, data: { "tls.crt": b64("CERT") } }];
    const { impl, calls } = setup({ secrets });
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos({ tls: { secretName: "absent" } }))).rejects.toThrow("spec.tls.secretName: Secret app/absent not found");
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos({ tls: { secretName: "server-tls" } }))).rejects.toThrow('spec.tls.keyName: Secret app/server-tls has no key "tls.key" (its keys: tls.crt)');
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos({ tls: { secretName: "server-tls", keyName: "tls.crt", caName: "ca.crt" } }))).rejects.toThrow('spec.tls.caName: Secret app/server-tls has no key "ca.crt"');
    expect(calls.filter((c) => c.includes("ExecHTTPChaos"))).toEqual([]);
  });

  it("turns the daemon's InvalidArgument into a record failure naming what it refused", async () => {
    const { impl } = setup({ refuse: 'rules[0].actions.patch.body.value: "{\\"a\\": }" is not JSON' });
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos({ target: "Response", patch: { body: { type: "JSON", value: '{"a": }' } } }))).rejects.toMatchObject({
      name: "HTTPChaosRulesRefusedError",
      message: 'the daemon on node node-1 refused the request (InvalidArgument): rules[0].actions.patch.body.value: "{\\"a\\": }" is not JSON; nothing was injected: fix the spec',
    });
  });

  it("asks a node's capabilities once for several records in a row", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-2", "node-1", cid("c"))];
    const { impl, calls } = setup({ pods });
    const records = [record("app/web-0"), record("app/web-2")];
    await impl.apply(ctx(), 0, records, chaos());
    await impl.apply(ctx(), 1, records, chaos());
    expect(calls.filter((c) => c.includes("GetNodeCapabilities"))).toEqual(["node-1 GetNodeCapabilities"]);
  });

  it("fails a record on a node whose daemon lacks http/interception, naming the node and the capability, sending nothing", async () => {
    const { impl, calls } = setup({ capable: { "node-2": false } });
    const records = [record("app/web-0"), record("app/web-1")];
    await expect(impl.apply(ctx(), 1, records, chaos())).rejects.toThrow(
      "node node-2 cannot perform HTTPChaos: its daemon lacks http/interception (redirecting the pod's port to the proxy needs iptables with the nat table's REDIRECT target); nothing was injected",
    );
    await expect(impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    expect(calls.filter((c) => c.includes("ExecHTTPChaos"))).toEqual([expect.stringMatching(/^node-1 ExecHTTPChaos/)]);
  });

  it("refuses a hostNetwork pod: its network namespace is the node's", async () => {
    const { impl, calls } = setup({ pods: [podOf("web-0", "node-1", cid("a"), { hostNetwork: true })] });
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos())).rejects.toThrow(/uses hostNetwork: redirecting its port 8080 would take over that port on node node-1 itself/);
    expect(calls).toEqual([]);
  });

  it("Apply fails clearly for a pod that is not there, calling no daemon", async () => {
    const { impl, calls } = setup();
    await expect(impl.apply(ctx(), 0, [record("app/web-9")], chaos())).rejects.toMatchObject({ name: "RecordDecodeError", reason: "PodNotFound" });
    expect(calls).toEqual([]);
  });

  it("Recover sends RecoverHTTPChaos with the same key, leaving another HTTPChaos on the pod", async () => {
    const { impl, calls, held } = setup();
    const records = [record("app/web-0")];
    await impl.apply(ctx(), 0, records, chaos());
    const second = { ...chaos({ delay: "1s", abort: undefined }), metadata: { name: "second", namespace: "app", uid: other } };
    await impl.apply({ ...ctx(), namespacedName: "app/second" }, 0, records, second);
    await expect(impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    expect(calls.at(-1)).toBe(`node-1 RecoverHTTPChaos ${uid}/app/web-0 ${cid("a")}`);
    expect(held["node-1"]!.map((h) => h.recordKey)).toEqual([`${other}/app/web-0`]);
    expect(JSON.parse(held["node-1"]![0]!.rules)[0]).toMatchObject({ source: "app/second", actions: { delay: "1s" } });
  });

  it("Recover of a pod that is gone is done: its proxy and redirect went with it", async () => {
    const { impl, calls, logged } = setup();
    await expect(impl.recover(ctx(), 0, [record("app/web-9")], chaos())).resolves.toBe("Not Injected");
    expect(calls).toEqual([]);
    expect(logged).toContain("HTTPChaos target gone: its proxy and redirect went with it");
  });

  it("Recover on a daemon without RecoverHTTPChaos (an older one, which could not have injected) is done, so deletion never sticks", async () => {
    const pods = [podOf("web-0", "node-1", cid("a"))];
    const old = createInMemoryDaemonClientPool({}, { nodes: ["node-1"] }); // every RPC answers Unimplemented
    const impl = httpChaosManager({ decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons: old }), core: {} as CoreV1Api, log: () => undefined });
    await expect(impl.recover(ctx(), 0, [record("app/web-0")], chaos())).resolves.toBe("Not Injected");
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos())).rejects.toMatchObject({ code: Code.Unimplemented });
  });

});

describe("HTTPChaos lost injections", () => {
  it("finds Injected records whose key the daemon no longer holds (a recreated pod, a proxy the daemon removed)", async () => {
    const pods = [podOf("web-0", "node-1", cid("a")), podOf("web-1", "node-2", cid("b")), podOf("web-2", "node-1", cid("c"))];
    const { impl, held } = setup({ pods });
    const records = [record("app/web-0", "Injected"), record("app/web-1", "Injected"), record("app/web-2", "Injected"), record("app/web-9", "Injected")];
    for (const i of [0, 1, 2]) await impl.apply(ctx(), i, records, chaos());
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    held["node-2"] = [];
    held["node-1"] = held["node-1"]!.filter((h) => !h.recordKey.endsWith("web-2"));
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([1, 2]);
  });

  it("asks only about Injected records, and cannot tell on a daemon without ListHTTPChaos", async () => {
    const { impl, calls } = setup({ unimplemented: ["node-2"] });
    const records = [record("app/web-0"), record("app/web-1", "Injected")];
    expect(await impl.lostInjections(ctx(), records, chaos())).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe("HTTPChaos sweep", () => {
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
  const rulesOf = (spec: Partial<HTTPChaos["spec"]>) => JSON.stringify(httpRulesOf(chaos(spec).spec, "app/gone"));

  it("recovers the keys no HTTPChaos holds on every node, and leaves those a running one holds", async () => {
    const s = setup({
      held: {
        "node-1": [
          { recordKey: `${other}/app/web-0`, containerId: cid("a"), rules: rulesOf({}) },
          { recordKey: `${uid}/app/web-0`, containerId: cid("a"), rules: rulesOf({}) },
        ],
        "node-2": [{ recordKey: `${other}/app/web-1`, containerId: cid("b"), rules: rulesOf({ target: "Response", abort: undefined, path: undefined, delay: "1s", patch: { headers: [["a", "b"]] } }) }],
      },
    });
    const { ctx, asked } = sweepContext(s, [`${uid}/app/web-0`]);
    const swept = await s.impl.sweep(ctx);
    expect(asked).toEqual([`${other} app/web-0`, `${uid} app/web-0`, `${other} app/web-1`]);
    expect(s.calls.filter((c) => c.includes("RecoverHTTPChaos"))).toEqual([`node-1 RecoverHTTPChaos ${other}/app/web-0 ${cid("a")}`, `node-2 RecoverHTTPChaos ${other}/app/web-1 ${cid("b")}`]);
    expect(s.held["node-1"]!.map((h) => h.recordKey)).toEqual([`${uid}/app/web-0`]);
    expect(swept).toEqual([
      { pod: { namespace: "app", name: "web-0" }, owner: { uid: other }, what: "HTTP Request abort on port 8080 path /api/*" },
      { pod: { namespace: "app", name: "web-1" }, owner: { uid: other }, what: "HTTP Response delay+patch on port 8080" },
    ]);
  });

  it("leaves keys it did not make alone (a Chaos Mesh manager's ApplyHttpChaos), and goes on past a daemon without ListHTTPChaos", async () => {
    const s = setup({ unimplemented: ["node-1"], held: { "node-2": [{ recordKey: `chaos-mesh/${cid("b")}`, containerId: cid("b"), rules: "[]" }] } });
    const { ctx, asked, logs } = sweepContext(s, []);
    expect(await s.impl.sweep(ctx)).toEqual([]);
    expect(asked).toEqual([]);
    expect(s.calls.filter((c) => c.includes("RecoverHTTPChaos"))).toEqual([]);
    expect(logs).toEqual(["HTTPChaos sweep skipped a node: tried again at the next pass"]);
  });
});

describe("a pod record whose container has not started", () => {
  it("fails Apply clearly and counts Recover done", async () => {
    const pod = podOf("web-0", "node-1", "");
    const { impl, calls } = setup({ pods: [pod] });
    await expect(impl.apply(ctx(), 0, [record("app/web-0")], chaos())).rejects.toBeInstanceOf(RecordDecodeError);
    await expect(impl.recover(ctx(), 0, [record("app/web-0")], chaos())).resolves.toBe("Not Injected");
    expect(calls).toEqual([]);
  });
});
