// Runs README.md's example (src/readme-example.ts) against the real API server with a Connect server
// (on a unix socket) standing in for the daemon; readme-example.spec.ts checks the README holds it verbatim.
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { applyHelloWorld } from "./readme-example.js";
import { RecordDecodeError } from "./record-decoder.js";
import { connectTestApiServer, createTestNamespace, type TestApiServer } from "./testing/api-server.test-support.js";
import { deleteTestNamespace } from "@faultline/test-ground";

const slow = 120_000;
const dir = mkdtempSync(join(tmpdir(), "daemon-client-readme-"));
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
  test("applies a record by calling its node's daemon with the container's id and the object's name", async () => {
    const address = `unix:${join(dir, "daemon.sock")}`;
    await expect(applyHelloWorld(api.kubeConfig, address, { namespace, name: "hello" }, `${namespace}/busybox-0/busybox`)).resolves.toBe("node-1");
    expect(seen).toEqual([[containerId, `${namespace}/hello`]]);

    await expect(applyHelloWorld(api.kubeConfig, address, { namespace, name: "hello" }, `${namespace}/busybox-0/nope`)).rejects.toBeInstanceOf(RecordDecodeError);
    expect(seen).toHaveLength(1);
  }, slow);
});
