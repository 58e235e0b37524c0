import { CoreV1Api } from "@kubernetes/client-node";
import { clusterTimeoutMs, localClusterKubeConfig } from "./local-cluster.test-support.js";
import { makeRateLimitedApiClient } from "./rate-limited-api-client.js";
import { TokenBucket } from "./token-bucket.js";

describe("makeRateLimitedApiClient (real API server)", () => {
  let kubeConfig: Awaited<ReturnType<typeof localClusterKubeConfig>>["kubeConfig"];
  beforeAll(async () => {
    ({ kubeConfig } = await localClusterKubeConfig());
  }, clusterTimeoutMs);

  test("calls succeed and stay within qps after the burst", async () => {
    const bucket = new TokenBucket({ qps: 20, burst: 5 });
    const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, bucket);
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: 15 }, () => core.readNamespace({ name: "default" })));
    const elapsed = performance.now() - start;
    expect(results.every((ns) => ns.metadata?.name === "default")).toBe(true);
    // 5 at once, 10 more at 20/s
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(3000);
  });

  test("clients built with one bucket share its budget", async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 2 });
    const a = makeRateLimitedApiClient(kubeConfig, CoreV1Api, bucket);
    const b = makeRateLimitedApiClient(kubeConfig, CoreV1Api, bucket);
    const start = performance.now();
    await Promise.all([a.readNamespace({ name: "default" }), b.readNamespace({ name: "default" }), a.listNamespace(), b.listNamespace()]);
    // 2 at once, 2 more at 10/s
    expect(performance.now() - start).toBeGreaterThanOrEqual(190);
  });

  test("API errors pass through unchanged", async () => {
    const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 100, burst: 10 }));
    await expect(core.readNamespace({ name: "no-such-namespace-xyz" })).rejects.toMatchObject({ code: 404 });
  });
});
