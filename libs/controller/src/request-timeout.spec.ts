// A request to an API server that accepted the connection and never answers (one going away) is
// aborted after the client's request timeout, instead of waiting for undici's 300 s.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { boundedApiClient, makeRateLimitedApiClient } from "./rate-limited-api-client.js";
import { TokenBucket } from "./token-bucket.js";

let server: Server;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  server = createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "silent", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "nobody" }],
    contexts: [{ name: "silent", cluster: "silent", user: "nobody" }],
    currentContext: "silent",
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test.each([
  ["makeRateLimitedApiClient", () => makeRateLimitedApiClient(kubeConfig, CoreV1Api, new TokenBucket({ qps: 100, burst: 100 }), { requestTimeoutMs: 300 })],
  ["boundedApiClient", () => boundedApiClient(kubeConfig, CoreV1Api, 300)],
])("%s aborts a request the API server never answers after its timeout", async (_name, make) => {
  const started = performance.now();
  // a TimeoutError, which the leader elector counts as "API server unreachable", not as a refusal
  await expect(make().listNamespace()).rejects.toMatchObject({ name: "TimeoutError" });
  const took = performance.now() - started;
  expect(took).toBeGreaterThanOrEqual(250);
  expect(took).toBeLessThan(10_000);
});
