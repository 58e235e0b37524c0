// makeRateLimitedApiClient against a real HTTP server standing in for the API server (nothing
// else runs); rate-limited-api-client.integration.spec.ts runs it against the local cluster's.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { kubernetesClientUserAgent, makeRateLimitedApiClient } from "./rate-limited-api-client.js";
import { TokenBucket } from "./token-bucket.js";

describe("makeRateLimitedApiClient (HTTP server)", () => {
  const seen: { path: string; userAgent: string | undefined; at: number }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", userAgent: req.headers["user-agent"], at: performance.now() });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }));
  });
  const kubeConfig = new KubeConfig();

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    kubeConfig.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
  });
  beforeEach(() => {
    seen.length = 0;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test("sends the User-Agent kubeConfig.makeApiClient sends", async () => {
    await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: "default" });
    await makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 100, burst: 10 })).readNamespace({ name: "default" });
    expect(seen.map((s) => s.userAgent)).toEqual([kubernetesClientUserAgent, kubernetesClientUserAgent]);
    expect(kubernetesClientUserAgent).toMatch(/^kubernetes-client-javascript\/\d+\.\d+\.\d+/);
  });

  test("sends the User-Agent it is given instead", async () => {
    const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 100, burst: 10 }), { userAgent: "faultline-manager/0.1.0" });
    await core.readNamespace({ name: "default" });
    expect(seen.map((s) => s.userAgent)).toEqual(["faultline-manager/0.1.0"]);
  });

  test("counts the requests it sends and the answers it gets, on the registry it is given", async () => {
    const registry = new Registry();
    const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 100, burst: 10 }), { registry });
    await core.readNamespace({ name: "default" });
    await core.deleteNamespace({ name: "default" });
    await core.readNamespace({ name: "default" });
    const text = await registry.metrics();
    expect(text).toContain('rest_client_requests_total{method="GET"} 2');
    expect(text).toContain('rest_client_requests_total{method="DELETE"} 1');
    expect(text).toContain('rest_client_responses_total{code="200"} 3');
  });

  test("holds requests after the burst to the bucket's rate", async () => {
    const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 20, burst: 2 }));
    const start = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => core.readNamespace({ name: "default" })));
    expect(seen).toHaveLength(6);
    // 2 at once, 4 more at 20/s
    expect(performance.now() - start).toBeGreaterThanOrEqual(180);
  });
});
