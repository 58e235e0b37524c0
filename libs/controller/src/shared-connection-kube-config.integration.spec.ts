import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { clusterTimeoutMs, localClusterKubeConfig } from "./local-cluster.test-support.js";
import { makeRateLimitedApiClient } from "./rate-limited-api-client.js";
import { SharedConnectionKubeConfig } from "./shared-connection-kube-config.js";
import { TcpProxy } from "./tcp-proxy.test-support.js";
import { TokenBucket } from "./token-bucket.js";

// Against the real API server, through a TCP proxy that counts the connections made to it.
describe("SharedConnectionKubeConfig (real API server)", () => {
  let kubeConfig: KubeConfig;
  const proxies: TcpProxy[] = [];
  const dir = mkdtempSync(join(tmpdir(), "faultline-shared-connections-"));
  beforeAll(async () => {
    ({ kubeConfig } = await localClusterKubeConfig());
  }, clusterTimeoutMs);
  afterAll(async () => {
    for (const p of proxies) await p.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const proxy = async () => {
    const server = new URL(kubeConfig.getCurrentCluster()!.server);
    const p = new TcpProxy(server.hostname, Number(server.port));
    await p.listen();
    proxies.push(p);
    return p;
  };
  const bucket = () => new TokenBucket({ qps: 1000, burst: 1000 });

  test("40 requests, sequential and concurrent, from two API clients go over one connection", async () => {
    const p = await proxy();
    const shared = SharedConnectionKubeConfig.from(p.kubeConfig(kubeConfig));
    const a = makeRateLimitedApiClient(shared, CoreV1Api, bucket());
    const b = shared.makeApiClient(CoreV1Api);
    for (let i = 0; i < 20; i++) expect((await a.readNamespace({ name: "default" })).metadata?.name).toBe("default");
    // concurrent requests may open a few connections of the one pool (undici pipelines nothing)
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).readNamespace({ name: "default" })));
    expect(shared.connectionPools).toBe(1);
    expect(p.accepted).toBeGreaterThanOrEqual(1);
    expect(p.accepted).toBeLessThanOrEqual(21);
    const afterConcurrent = p.accepted;
    for (let i = 0; i < 20; i++) await b.listNamespace();
    expect(p.accepted).toBe(afterConcurrent); // reused, not reopened
  });

  test("a plain KubeConfig opens a connection per request (the client-node behaviour this works around)", async () => {
    // if this fails, client-node pools connections itself and SharedConnectionKubeConfig can go
    const p = await proxy();
    const core = makeRateLimitedApiClient(p.kubeConfig(kubeConfig), CoreV1Api, bucket());
    for (let i = 0; i < 20; i++) await core.readNamespace({ name: "default" });
    expect(p.accepted).toBe(20);
  });

  test("a watch and requests share the pool and both work", async () => {
    const p = await proxy();
    const shared = SharedConnectionKubeConfig.from(p.kubeConfig(kubeConfig));
    const events: string[] = [];
    const controller = await new Watch(shared).watch("/api/v1/namespaces", { fieldSelector: "metadata.name=default" }, (type) => events.push(type), () => undefined);
    try {
      const core = shared.makeApiClient(CoreV1Api);
      for (let i = 0; i < 10; i++) await core.readNamespace({ name: "default" });
      const deadline = Date.now() + 5000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(events).toContain("ADDED");
      expect(shared.connectionPools).toBe(1);
      // the watch's long-lived connection and the requests' (or one, multiplexed, where undici speaks h2)
      expect(p.accepted).toBeLessThanOrEqual(2);
    } finally {
      controller.abort();
    }
  });

  test("a client certificate file that changes gets a pool of its own", async () => {
    const p = await proxy();
    const viaProxy = p.kubeConfig(kubeConfig);
    const user = viaProxy.getCurrentUser()!;
    if (user.certData === undefined || user.keyData === undefined) throw new Error("the local cluster's kubeconfig has no client certificate data");
    const certFile = join(dir, "client.crt");
    const keyFile = join(dir, "client.key");
    writeFileSync(certFile, Buffer.from(user.certData, "base64"));
    writeFileSync(keyFile, Buffer.from(user.keyData, "base64"));
    const users = viaProxy.users.map((u) => (u.name === user.name ? { name: u.name, certFile, keyFile } : u));
    const withFiles = new KubeConfig();
    withFiles.loadFromOptions({ clusters: viaProxy.clusters, users, contexts: viaProxy.contexts, currentContext: viaProxy.currentContext });
    const shared = SharedConnectionKubeConfig.from(withFiles);
    const core = shared.makeApiClient(CoreV1Api);
    await core.readNamespace({ name: "default" });
    await core.readNamespace({ name: "default" });
    expect(p.accepted).toBe(1);
    const later = new Date(Date.now() + 5000);
    utimesSync(certFile, later, later); // as a rotation rewrites it
    await core.readNamespace({ name: "default" });
    expect(shared.connectionPools).toBe(2);
    expect(p.accepted).toBe(2);
  });
});
