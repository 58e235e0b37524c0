// Discovery and decoding against the real API server: pods with status written as a kubelet would,
// the chaos-daemon Service's EndpointSlice written as the EndpointSlice controller would, and a real
// Connect server standing in for the daemon (this file tests how the daemon is found and called,
// not what it does).
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import type { NamespacedObject } from "./namespaced-name.js";
import { createDaemonClientPool } from "./daemon-client-pool.js";
import { createEndpointSliceDaemonLocator, DaemonNotFoundError } from "./daemon-locator.js";
import { createKubernetesPodSource } from "@faultline/selector";
import { createRecordDecoder } from "./record-decoder.js";
import { connectTestApiServer, createTestNamespace, type TestApiServer } from "./testing/api-server.test-support.js";
import { deleteTestNamespace } from "@faultline/test-ground";

const slow = 120_000;
const containerId = "containerd://" + "c".repeat(64);
let api: TestApiServer;
let namespace: string;
let server: http2.Http2Server;
let port = 0;
// EndpointSlices refuse loopback addresses: the stand-in daemon listens on this machine's own address.
const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
const unreachable = "192.0.2.222"; // node-2's daemon: present in the slice, never called
const seen: Array<{ containerId: string; namespacedName: string | null }> = [];

beforeAll(async () => {
  api = await connectTestApiServer();
  namespace = await createTestNamespace(api, "impl-registry");
  const routes = (router: ConnectRouter) =>
    router.service(ChaosDaemon, {
      async execHelloWorldChaos(req, ctx) {
        seen.push({ containerId: req.containerId, namespacedName: ctx.requestHeader.get("namespaced-name") });
        return {};
      },
    });
  server = http2.createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, hostAddress, resolve));
  port = (server.address() as AddressInfo).port;

  if (!hostAddress) throw new Error("this test needs a non-loopback IPv4 address on the machine");
  // the chart's headless Service and its EndpointSlice: the daemon of node-1 answers on this machine
  await api.core.createNamespacedService({
    namespace,
    body: { metadata: { name: "chaos-daemon" }, spec: { clusterIP: "None", selector: { app: "chaos-daemon" }, ports: [{ name: "grpc", port: 31767 }] } },
  });
  await api.discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: "chaos-daemon-abc", labels: { "kubernetes.io/service-name": "chaos-daemon" } },
      addressType: "IPv4",
      endpoints: [
        { addresses: [hostAddress], nodeName: "node-1", conditions: { ready: true } },
        { addresses: [unreachable], nodeName: "node-2", conditions: { ready: true } },
      ],
      ports: [{ name: "grpc", port: 31767, protocol: "TCP" }],
    },
  });
  // a decoy slice of another Service on node-3 must not be used
  await api.discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: "other-xyz", labels: { "kubernetes.io/service-name": "other" } },
      addressType: "IPv4",
      endpoints: [{ addresses: [hostAddress], nodeName: "node-3" }],
    },
  });

  const pod = await api.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: "web" }, spec: { nodeName: "node-1", containers: [{ name: "app", image: "busybox" }, { name: "late", image: "busybox" }] } },
  });
  await api.core.replaceNamespacedPodStatus({
    namespace,
    name: "web",
    body: {
      ...pod,
      status: {
        phase: "Running",
        containerStatuses: [
          { name: "app", containerID: containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 },
          { name: "late", image: "busybox", imageID: "", ready: false, restartCount: 0 },
        ],
      },
    },
  });
  await api.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: "far" }, spec: { nodeName: "node-9", containers: [{ name: "app", image: "busybox" }] } },
  });
}, slow);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (api) await deleteTestNamespace(api.kubeConfig, namespace);
});

describe("record decoding through the API server and the chaos-daemon EndpointSlices", () => {
  const obj: NamespacedObject = { metadata: { namespace: "chaos", name: "hello" } }; // the chaos object a record belongs to

  const decoderWith = () => {
    const locator = createEndpointSliceDaemonLocator({ discovery: api.discovery, namespace, port });
    const daemons = createDaemonClientPool({ locator });
    return { locator, daemons, decoder: createRecordDecoder({ pods: createKubernetesPodSource(api.core), daemons }) };
  };

  it("finds the node's daemon through the EndpointSlice and calls it with namespaced-name", async () => {
    const { decoder, daemons } = decoderWith();
    try {
      const decoded = await decoder.decodeContainer(`${namespace}/web/app`, obj);
      expect(decoded).toMatchObject({ nodeName: "node-1", containerId, containerName: "app", podName: "web" });
      await decoded.daemon.execHelloWorldChaos({ containerId: decoded.containerId });
      expect(seen.at(-1)).toEqual({ containerId, namespacedName: "chaos/hello" });
      expect(daemons.size()).toBe(1);
    } finally {
      daemons.close();
    }
  }, slow);

  it("locates only endpoints of the chaos-daemon Service, by node", async () => {
    const { locator } = decoderWith();
    await expect(locator.locate("node-2")).resolves.toEqual({ kind: "tcp", host: unreachable, port });
    await expect(locator.locate("node-3")).rejects.toBeInstanceOf(DaemonNotFoundError);
    await expect(locator.locate("node-3")).rejects.toThrow(`Service ${namespace}/chaos-daemon`);
  }, slow);

  it("reports a pod that is gone, a container that does not exist or has not started, and a node without a daemon", async () => {
    const { decoder, daemons } = decoderWith();
    await expect(decoder.decodeContainer(`${namespace}/gone/app`, obj)).rejects.toMatchObject({ reason: "PodNotFound" });
    await expect(decoder.decodeContainer(`${namespace}/web/db`, obj)).rejects.toMatchObject({ reason: "ContainerNotFound" });
    await expect(decoder.decodeContainer(`${namespace}/web/late`, obj)).rejects.toMatchObject({ reason: "ContainerNotStarted" });
    await expect(decoder.decodePod(`${namespace}/far`, obj)).rejects.toThrow("no chaos daemon found for node node-9");
    await expect(decoder.decodePod(`${namespace}/web`, obj)).resolves.toMatchObject({ nodeName: "node-1" });
    daemons.close();
  }, slow);
});
