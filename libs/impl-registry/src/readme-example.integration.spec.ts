// Runs README.md's example (src/readme-example.ts) against the real API server with a Connect server
// (on a unix socket) standing in for the daemon; readme-example.spec.ts checks the README holds it verbatim.
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { helloWorldRegistry } from "./readme-example.js";
import { RecordDecodeError } from "./record-decoder.js";
import { connectTestApiServer, createTestNamespace, type TestApiServer } from "./testing/api-server.test-support.js";
import { deleteTestNamespace } from "@faultline/test-ground";

const slow = 120_000;
const dir = mkdtempSync(join(tmpdir(), "impl-registry-readme-"));
const containerId = "containerd://" + "e".repeat(64);
const seen: Array<[string, string | null]> = [];
let api: TestApiServer;
let namespace: string;
let server: http2.Http2Server;

beforeAll(async () => {
  api = await connectTestApiServer();
  namespace = await createTestNamespace(api, "readme");
  const routes = (router: ConnectRouter) =>
    router.service(ChaosDaemon, {
      async execHelloWorldChaos(req, ctx) {
        seen.push([req.containerId, ctx.requestHeader.get("namespaced-name")]);
        return {};
      },
    });
  server = http2.createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(join(dir, "daemon.sock"), resolve));
  const pod = await api.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: "busybox-0" }, spec: { nodeName: "node-1", containers: [{ name: "busybox", image: "busybox" }] } },
  });
  await api.core.replaceNamespacedPodStatus({
    namespace,
    name: "busybox-0",
    body: { ...pod, status: { phase: "Running", containerStatuses: [{ name: "busybox", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] } },
  });
}, slow);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (api) await deleteTestNamespace(api.kubeConfig, namespace);
  rmSync(dir, { recursive: true, force: true });
});

describe("README example", () => {
  test("applies a record by calling the daemon with the container's id and the object's name", async () => {
    const { kinds, close } = helloWorldRegistry(api.kubeConfig, `unix:${join(dir, "daemon.sock")}`);
    try {
      const kind = kinds.get("HelloWorldChaos");
      const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { namespace, name: "hello" }, spec: {} };
      const records = [{ id: `${namespace}/busybox-0/busybox`, selectorKey: ".", phase: "Not Injected" as const, injectedCount: 0, recoveredCount: 0 }];
      const ctx = { signal: new AbortController().signal, namespacedName: `${namespace}/hello` };
      await expect(kind.impl.apply(ctx, 0, records, obj)).resolves.toBe("Injected");
      expect(seen).toEqual([[containerId, `${namespace}/hello`]]);
      await expect(kind.impl.recover(ctx, 0, records, obj)).resolves.toBe("Not Injected");

      const missing = [{ ...records[0]!, id: `${namespace}/busybox-0/nope` }];
      await expect(kind.impl.apply(ctx, 0, missing, obj)).rejects.toBeInstanceOf(RecordDecodeError);
    } finally {
      close();
    }
  }, slow);
});
