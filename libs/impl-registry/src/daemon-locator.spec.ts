import type { V1EndpointSlice } from "@kubernetes/client-node";
import { InvalidDaemonAddressError } from "./daemon-address.js";
import { createStaticDaemonLocator, DaemonNotFoundError, pickDaemonEndpoint } from "./daemon-locator.js";

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
