// createKubernetesPodSource against a real HTTP server standing in for the API server (nothing
// else runs); kubernetes-pod-source.integration.spec.ts runs it against the local cluster's.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createConfiguration, CoreV1Api, KubeConfig, ServerConfiguration, setHeaderMiddleware } from "@kubernetes/client-node";
import { createKubernetesPodSource } from "./kubernetes-pod-source.js";
import { SelectorError } from "./selector-error.js";

describe("createKubernetesPodSource (HTTP server)", () => {
  const seen: { url: string; via: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? "", via: req.headers["x-client"] as string | undefined });
    res.setHeader("content-type", "application/json");
    const url = new URL(req.url ?? "", "http://x");
    if (url.pathname === "/api/v1/namespaces/blog/pods/missing") {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: 'pods "missing" not found', reason: "NotFound", details: { name: "missing", kind: "pods" }, code: 404 }));
    } else if (url.pathname === "/api/v1/namespaces/starting/pods/db-0") {
      // what an API server not serving the resource (yet) answers: a 404 that names no object
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 }));
    } else if (url.pathname === "/api/v1/namespaces/blog/pods/db-0") {
      res.end(JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { namespace: "blog", name: "db-0" } }));
    } else if (url.pathname === "/api/v1/namespaces/blog/pods" && url.searchParams.has("labelSelector")) {
      res.statusCode = 400;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: "unable to parse requirement", code: 400 }));
    } else if (url.pathname === "/api/v1/namespaces/blog/pods") {
      res.end(JSON.stringify({ apiVersion: "v1", kind: "PodList", metadata: {}, items: [{ metadata: { namespace: "blog", name: "db-0" } }] }));
    } else {
      res.statusCode = 500;
      res.end("{}");
    }
  });
  let api: CoreV1Api;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const kubeConfig = new KubeConfig();
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    kubeConfig.loadFromOptions({
      clusters: [{ name: "c", server: serverUrl, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    // a client with settings of its own, as the manager's rate-limited one has
    api = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(serverUrl, {}),
        authMethods: { default: kubeConfig },
        middleware: [setHeaderMiddleware("X-Client", "the given client")],
      }),
    );
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("makes every call through the CoreV1Api it is given", async () => {
    const source = createKubernetesPodSource(api);
    expect((await source.listPods({ namespace: "blog" })).map((p) => p.metadata?.name)).toEqual(["db-0"]);
    expect((await source.readPod("blog", "db-0"))?.metadata?.name).toBe("db-0");
    expect(await source.readPod("blog", "missing")).toBeUndefined();
    expect(seen.map((s) => s.via)).toEqual(["the given client", "the given client", "the given client"]);
  });

  it("answers a pod is gone only when the 404 names it: one naming nothing (a starting API server) is an error", async () => {
    const source = createKubernetesPodSource(api);
    await expect(source.readPod("starting", "db-0")).rejects.toMatchObject({ code: 404 });
  });

  it("turns a selector the server rejects into SelectorError InvalidSelector", async () => {
    const source = createKubernetesPodSource(api);
    const failure = source.listPods({ namespace: "blog", labelSelector: { matchLabels: { app: "web" } } });
    await expect(failure).rejects.toBeInstanceOf(SelectorError);
    await expect(failure).rejects.toMatchObject({
      reason: "InvalidSelector",
      message: expect.stringContaining("the API server rejected the selector: unable to parse requirement"),
    });
  });
});
