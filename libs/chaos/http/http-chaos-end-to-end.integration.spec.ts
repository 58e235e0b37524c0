// HTTPChaos from the object to the request: an HTTPChaos on the real API server, the records
// pipeline with the kind's manager impl, a pooled gRPC client, the real daemon (its capability
// probe, the proxy it starts in the pod's network namespace, real iptables there) and a real pod of
// the private containerd with its own network namespace serving HTTP (busybox httpd on 8080);
// requests come from ANOTHER pod's network namespace, so they arrive through the target's
// PREROUTING as a caller's would. The API pod object carries the real container's id, as a kubelet
// would write it.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { createDaemonClientPool, createStaticDaemonLocator } from "@faultline/daemon-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers, nodeCapabilityProbeFor } from "@faultline/daemon-server";
import { applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, eventually, localCluster } from "@faultline/test-ground";
import { planAnnotation, type ExperimentPlan } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { NetworkPods, inPod, nodeInPod, type NetworkPod } from "../network/daemon/network-pods.test-support.js";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { createHttpChaosDaemon } from "./http-chaos-daemon.js";
import { tlsPassThroughMessage } from "./http-chaos-manager.js";
import { allInjected, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { httpChaos } from "./http-chaos.js";
import { makeCertificates } from "./proxy/http-proxy.test-support.js";

type Answer = { status?: number; body?: string; setCookie?: string[]; error?: string };
// one request from inside the client pod's network namespace (the test's node), on a new connection
const getScript = `const [host,port,path]=process.argv.slice(1);
const req=require("http").get({host,port:+port,path,agent:false,timeout:4000},r=>{let b="";r.on("data",c=>b+=c);r.on("end",()=>{console.log(JSON.stringify({status:r.statusCode,body:b.trim(),setCookie:r.headers["set-cookie"]}));process.exit(0)})});
req.on("timeout",()=>{console.log(JSON.stringify({error:"timeout"}));process.exit(0)});req.on("error",e=>{console.log(JSON.stringify({error:e.code||e.message}));process.exit(0)})`;
const served = '{"foo": "baz", "n": 1}';
// the same over HTTPS, trusting only the test CA and naming the server "server.test" (its certificate's name)
const httpsGetScript = `const [host,port,path]=process.argv.slice(1);
const req=require("https").get({host,port:+port,path,agent:false,timeout:4000,ca:process.env.TEST_CA,servername:"server.test"},r=>{let b="";r.on("data",c=>b+=c);r.on("end",()=>{console.log(JSON.stringify({status:r.statusCode,body:b.trim(),setCookie:r.headers["set-cookie"]}));process.exit(0)})});
req.on("timeout",()=>{console.log(JSON.stringify({error:"timeout"}));process.exit(0)});req.on("error",e=>{console.log(JSON.stringify({error:e.code||e.message}));process.exit(0)})`;
// an HTTPS server on 8443 in a pod's network namespace (the test's node), its certificate and key from the environment
const httpsServerScript = `require("https").createServer({cert:process.env.TEST_CERT,key:process.env.TEST_KEY},(q,r)=>{r.setHeader("Content-Type","application/json");r.end(process.argv[1])}).listen(8443,"0.0.0.0",()=>console.log("listening"))`;
const serverCommand = ["sh", "-c", `mkdir -p /www && printf '%s' '${served}' > /www/api && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www`];

const nodeName = `http-e2e-node-${Math.random().toString(36).slice(2, 7)}`;
const pods = new NetworkPods(defaultTestContainerdSocket());
let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let daemon: { socketPath: string; stop(): Promise<void> };
let pool: ReturnType<typeof createDaemonClientPool>;
let target: NetworkPod;
let client: NetworkPod;
let driver: ReturnType<typeof kindDriver<HTTPChaos>>;
let nodeCreated = false;
const stops: (() => void)[] = [];

/**
 * The daemon as the daemon app composes it for this kind: HTTPChaos's handlers and
 * GetNodeCapabilities from the real probe, on a unix socket, over the private containerd; its state
 * in a directory of its own.
 */
async function startDaemon() {
  const dir = mkdtempSync(join(tmpdir(), "faultline-http-e2e-"));
  const socketPath = join(dir, "daemon.sock");
  const runner = new NamespaceProcessRunner();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopLoop = new AbortController();
  const http = createHttpChaosDaemon({ runtime, runner }, { stateDir: join(dir, "state"), reconcileIntervalMs: 500, onReconcile: () => undefined, signal: stopLoop.signal });
  const handlers = new DaemonHandlerRegistry().register("HTTPChaos", http.handlers).register("node", nodeCapabilityHandlers(nodeCapabilityProbeFor(runner)));
  const server = createDaemonServer({ handlers, logger: createDaemonLogger({ format: "json", stream: new PassThrough() }) });
  await server.listen({ socketPath });
  return {
    socketPath,
    async stop() {
      stopLoop.abort();
      await server.close(1000);
      runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const get = async (path: string): Promise<Answer> => JSON.parse((await nodeInPod(client, getScript, [target.ip, "8080", path])).trim()) as Answer;
const nat = () => inPod(target, ["iptables-save", "-t", "nat"]);
/** A pod on the API server for a real pod of the private containerd, bound to the test's node, with its container's id. */
async function apiPod(name: string, app: string, pod: NetworkPod): Promise<void> {
  const created = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, labels: { app } }, spec: { nodeName, containers: [{ name: "httpd", image: "busybox" }] } } });
  created.status = { phase: "Running", podIP: pod.ip, podIPs: [{ ip: pod.ip }], containerStatuses: [{ name: "httpd", containerID: pod.containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] };
  await core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: created });
}
const manager = () => kindRecordsReconciler(httpChaos, { core, customObjects, daemons: pool });

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "httpchaos-e2e");
  driver = kindDriver(httpChaos, { core, customObjects, namespace: ns.name });

  // the real pods: the server, and a client in a network namespace of its own
  client = await pods.start("http-e2e-client");
  target = await pods.start("http-e2e-server", serverCommand);
  await eventually("the server to answer", async () => ((await get("/index.html")).status === 200 ? true : undefined), 15_000, 100);

  daemon = await startDaemon();
  pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });

  // the API's view of it: a pod bound to a node no kubelet runs (a Node object keeps the pod GC away), with the real container's id
  await core.createNode({ body: { metadata: { name: nodeName, labels: { "faultline.dev/test-node": "true" } } } });
  nodeCreated = true;
  await apiPod("web-0", "web", target);
}, 300_000);

afterAll(async () => {
  // whatever a failed test left injected goes with its pod; the daemon's own cleanup runs as it would
  for (const stop of stops) stop();
  pool?.close();
  await daemon?.stop();
  await pods.removeAll();
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: nodeName }).catch(() => undefined);
}, 120_000);

describe("HTTPChaos end to end (API server → pipeline → real daemon → real proxy in a real pod, requests from another pod)", () => {
  it("Chaos Mesh's http-patch-response shape (port and labels adapted): /api's response patched (header added, JSON merged), other paths untouched; deleting it restores the server's own answer", async () => {
    expect(await get("/api")).toEqual({ status: 200, body: served });
    const example: HTTPChaos = parse(readFileSync(new URL("./examples/http-patch-response.yaml", import.meta.url), "utf8"));
    await driver.create("http-patch-response", { ...example.spec, port: 8080, selector: { namespaces: [ns.name], labelSelectors: { app: "web" } } });
    await driver.drive(manager(), "http-patch-response", allInjected);
    expect(await nat()).toMatch(/-A FAULTLINE-HTTP -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports \d+/);

    const patched = await get("/api");
    expect([patched.status, patched.setCookie, JSON.parse(patched.body ?? "null")]).toEqual([200, ["foo=bar"], { foo: "bar", n: 1 }]);
    expect(await get("/index.html")).toEqual({ status: 200, body: "hello" }); // path "/api" only
    expect(await driver.events("http-patch-response")).toContainEqual(expect.objectContaining({ type: "Normal", reason: "TLSPassedThrough", message: tlsPassThroughMessage(8080) }));

    await driver.remove(manager(), "http-patch-response");
    expect(await get("/api")).toEqual({ status: 200, body: served });
    expect(await nat()).not.toMatch(/FAULTLINE-HTTP/);
  }, 120_000);

  it("with the plan annotation: status.plan from the real daemon's capability probe shows ExecHTTPChaos, the proxy and the redirect; nothing injected, the server answers as before", async () => {
    const spec = { mode: "all", selector: { namespaces: [ns.name], labelSelectors: { app: "web" } }, target: "Request", port: 8080, path: "/api", abort: true };
    await customObjects.createNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", plural: "httpchaos", namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HTTPChaos", metadata: { name: "planned", annotations: { [planAnnotation]: "true" } }, spec } });
    const planned = (await driver.drive(manager(), "planned", (o) => (o?.status as { plan?: ExperimentPlan } | undefined)?.plan !== undefined))!;
    const plan = (planned.status as { plan: ExperimentPlan }).plan;
    expect(plan.targets).toEqual([expect.objectContaining({ id: `${ns.name}/web-0`, node: nodeName, capable: true })]);
    const [step] = plan.targets[0]!.steps;
    expect(step).toMatchObject({ on: "daemon", rpc: "ExecHTTPChaos", request: { containerId: target.containerId } });
    expect(step!.note).toContain("-A FAULTLINE-HTTP -p tcp --dport 8080 -j REDIRECT --to-ports 15080");
    expect((await (await pool.clientFor(nodeName, `${ns.name}/planned`)).listHTTPChaos({})).injections).toEqual([]);
    expect(await nat()).not.toMatch(/FAULTLINE-HTTP/);
    expect(await get("/api")).toEqual({ status: 200, body: served });
    await driver.remove(manager(), "planned");
  }, 120_000);

  it("a Request abort and a Response replace composed on one pod; deleting one leaves the other", async () => {
    await driver.create("abort-api", { mode: "all", selector: { namespaces: [ns.name], labelSelectors: { app: "web" } }, target: "Request", port: 8080, path: "/api", abort: true });
    await driver.create("replace-index", { mode: "all", selector: { namespaces: [ns.name], labelSelectors: { app: "web" } }, target: "Response", port: 8080, path: "/index.html", replace: { code: 503, body: Buffer.from("down").toString("base64") } });
    await driver.drive(manager(), "abort-api", allInjected);
    await driver.drive(manager(), "replace-index", allInjected);

    expect((await get("/api")).error).toMatch(/^(ECONNRESET|socket hang up)$/);
    expect(await get("/index.html")).toEqual({ status: 503, body: "down" });

    await driver.remove(manager(), "abort-api");
    expect(await get("/api")).toEqual({ status: 200, body: served });
    expect(await get("/index.html")).toEqual({ status: 503, body: "down" });

    await driver.remove(manager(), "replace-index");
    expect(await get("/index.html")).toEqual({ status: 200, body: "hello" });
    expect(await nat()).not.toMatch(/FAULTLINE-HTTP/);
  }, 120_000);

  it("tls from a Secret: an HTTPS client trusting the test CA sees the patched response (terminated with the Secret's certificate, re-encrypted to the server); deleting it restores the server's own answer", async () => {
    const certs = makeCertificates();
    const tlsPod = await pods.start("http-e2e-tls");
    const server = spawn("nsenter", ["-t", String(tlsPod.pid), "-n", "--", process.execPath, "-e", httpsServerScript, "--", served], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TEST_CERT: certs.cert, TEST_KEY: certs.key } });
    stops.push(() => server.kill("SIGKILL"));
    await new Promise<void>((resolve, reject) => {
      server.stdout.on("data", (c: Buffer) => c.toString().includes("listening") && resolve());
      server.on("exit", (code) => reject(new Error(`the HTTPS server exited ${code}`)));
    });
    const httpsGet = async (path: string): Promise<Answer> => {
      const env = { TEST_CA: certs.ca };
      Object.assign(process.env, env); // nodeInPod passes the test's environment on
      try {
        return JSON.parse((await nodeInPod(client, httpsGetScript, [tlsPod.ip, "8443", path])).trim()) as Answer;
      } finally {
        delete process.env["TEST_CA"];
      }
    };
    expect(await httpsGet("/api")).toEqual({ status: 200, body: served });
    await apiPod("tls-0", "tls", tlsPod);
    await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "server-tls" }, type: "kubernetes.io/tls", stringData: { "tls.crt": certs.cert, "tls.key": certs.key, "ca.crt": certs.ca } } });

    await driver.create("https-patch", {
      mode: "all",
      selector: { namespaces: [ns.name], labelSelectors: { app: "tls" } },
      target: "Response",
      port: 8443,
      path: "/api",
      patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } },
      tls: { secretName: "server-tls", caName: "ca.crt" },
    });
    await driver.drive(manager(), "https-patch", allInjected);
    const patched = await httpsGet("/api");
    expect([patched.status, patched.setCookie, JSON.parse(patched.body ?? "null")]).toEqual([200, ["foo=bar"], { foo: "bar", n: 1 }]);
    expect((await driver.events("https-patch")).filter((e) => e.reason === "TLSPassedThrough")).toEqual([]);

    await driver.remove(manager(), "https-patch");
    expect(await httpsGet("/api")).toEqual({ status: 200, body: served });
    expect(await inPod(tlsPod, ["iptables-save", "-t", "nat"])).not.toMatch(/FAULTLINE-HTTP/);
  }, 120_000);
});
