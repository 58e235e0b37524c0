import {
  containerRecordId,
  InvalidRecordIdError,
  parseContainerRecordId,
  parsePodRecordId,
  podRecordId,
} from "./record-id.js";

describe("parsePodRecordId", () => {
  it("reads ns/name", () => {
    expect(parsePodRecordId("default/web-0")).toEqual({ namespace: "default", podName: "web-0" });
  });

  it.each(["default", "default/web/c", "/web", "default/", "Default/web", "a//b", ""])("refuses %j", (id) => {
    expect(() => parsePodRecordId(id)).toThrow(InvalidRecordIdError);
  });

  it("round-trips with podRecordId", () => {
    expect(parsePodRecordId(podRecordId("ns", "p.q"))).toEqual({ namespace: "ns", podName: "p.q" });
  });
});

describe("parseContainerRecordId", () => {
  it("reads ns/pod/container", () => {
    expect(parseContainerRecordId("chaos/busybox-1/app")).toEqual({
      namespace: "chaos",
      podName: "busybox-1",
      containerName: "app",
    });
  });

  it.each(["chaos/busybox-1", "a/b/c/d", "a//c", "a/b/"])("refuses %j with the expected shape", (id) => {
    expect(() => parseContainerRecordId(id)).toThrow("expected namespace/pod/container");
  });

  it("round-trips with containerRecordId", () => {
    expect(parseContainerRecordId(containerRecordId("n", "p", "c"))).toEqual({ namespace: "n", podName: "p", containerName: "c" });
  });
});
