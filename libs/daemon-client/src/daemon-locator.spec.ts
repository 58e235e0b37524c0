import type { V1EndpointSlice } from "@kubernetes/client-node";
import { InvalidDaemonAddressError } from "./daemon-address.js";
import type { DiscoveryV1Api } from "@kubernetes/client-node";
import { createEndpointSliceDaemonLocator, createStaticDaemonLocator, DaemonNotFoundError, pickDaemonEndpoint } from "./daemon-locator.js";

const slice = (endpoints: V1EndpointSlice["endpoints"], addressType = "IPv4"): V1EndpointSlice => ({
  addressType,
  endpoints,
});

describe("pickDaemonEndpoint", () => {
  const slices = [
    slice([
      { addresses: ["10.0.0.1"], nodeName: "node-a" },
      { addresses: ["10.0.0.2"], nodeName: "node-b", conditions: { ready: false } },
    ]),
    slice([{ addresses: ["10.0.0.3"], nodeName: "node-b", conditions: { ready: true } }]),
  ];

  it("answers the endpoint on the node, at the daemon port", () => {
    expect(pickDaemonEndpoint(slices, "node-a")).toEqual({ kind: "tcp", host: "10.0.0.1", port: 31767 });
  });

  it("prefers a ready endpoint across slices", () => {
    expect(pickDaemonEndpoint(slices, "node-b", 9000)).toEqual({ kind: "tcp", host: "10.0.0.3", port: 9000 });
  });

  it("falls back to a not-ready endpoint rather than none", () => {
    expect(pickDaemonEndpoint([slices[0]!], "node-b")).toMatchObject({ host: "10.0.0.2" });
  });

  it("answers undefined for a node without a daemon, and ignores FQDN slices and empty endpoints", () => {
    expect(pickDaemonEndpoint(slices, "node-c")).toBeUndefined();
    expect(pickDaemonEndpoint([slice([{ addresses: ["d.example"], nodeName: "n" }], "FQDN")], "n")).toBeUndefined();
    expect(pickDaemonEndpoint([slice([{ addresses: [], nodeName: "n" }])], "n")).toBeUndefined();
  });
});

describe("createStaticDaemonLocator", () => {
  it("answers one address for every node", async () => {
    const locator = createStaticDaemonLocator("unix:/tmp/d.sock");
    await expect(locator.locate("any")).resolves.toEqual({ kind: "unix", path: "/tmp/d.sock" });
  });

  it("answers from a node map and names the missing node", async () => {
    const locator = createStaticDaemonLocator({ a: "127.0.0.1:1000" });
    await expect(locator.locate("a")).resolves.toEqual({ kind: "tcp", host: "127.0.0.1", port: 1000 });
    await expect(locator.locate("b")).rejects.toThrow(DaemonNotFoundError);
    await expect(locator.locate("b")).rejects.toThrow("node b");
  });

  it("refuses a bad address when created", () => {
    expect(() => createStaticDaemonLocator({ a: "nope" })).toThrow(InvalidDaemonAddressError);
  });
});

describe("createEndpointSliceDaemonLocator", () => {
  function fixture() {
    const clock = { now: 0 };
    const lists: string[] = [];
    const endpoints = [
      { addresses: ["10.0.0.1"], nodeName: "node-a" },
      { addresses: ["10.0.0.2"], nodeName: "node-b" },
    ];
    const discovery = {
      listNamespacedEndpointSlice: async ({ namespace, labelSelector }: { namespace: string; labelSelector: string }) => {
        lists.push(`${namespace} ${labelSelector}`);
        await new Promise((r) => setTimeout(r, 5));
        return { items: [slice([...endpoints])] };
      },
    } as unknown as DiscoveryV1Api;
    const locator = createEndpointSliceDaemonLocator({ discovery, namespace: "chaos-mesh", cacheTtlMs: 10_000, now: () => clock.now });
    return { clock, lists, endpoints, locator };
  }

  it("answers every node of a wave from one list, shared by the callers that ask while it is in flight", async () => {
    const { lists, locator } = fixture();
    const answers = await Promise.all(["node-a", "node-b", "node-a", "node-b"].map((n) => locator.locate(n)));
    expect(answers.map((a) => (a as { host: string }).host)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"]);
    expect(lists).toEqual(["chaos-mesh kubernetes.io/service-name=chaos-daemon"]);
  });

  it("lists again after the TTL, or after invalidate", async () => {
    const { clock, lists, locator } = fixture();
    await locator.locate("node-a");
    clock.now = 9_999;
    await locator.locate("node-b");
    expect(lists).toHaveLength(1);
    clock.now = 10_000;
    await locator.locate("node-b");
    expect(lists).toHaveLength(2);
    locator.invalidate();
    await locator.locate("node-b");
    expect(lists).toHaveLength(3);
  });

  it("a node missing from the list: DaemonNotFoundError, and a new list at most once a second (a daemon just started is found)", async () => {
    const { clock, lists, endpoints, locator } = fixture();
    await expect(locator.locate("node-c")).rejects.toThrow(DaemonNotFoundError);
    await expect(locator.locate("node-c")).rejects.toThrow("node node-c");
    expect(lists).toHaveLength(1);
    endpoints.push({ addresses: ["10.0.0.3"], nodeName: "node-c" });
    clock.now = 1_000;
    await expect(locator.locate("node-c")).resolves.toMatchObject({ host: "10.0.0.3" });
    expect(lists).toHaveLength(2);
  });
});
