import { Code, ConnectError } from "@connectrpc/connect";
import { RecordDecodeError } from "@faultline/daemon-client";
import { isTargetGone } from "./target-gone.js";

describe("isTargetGone", () => {
  it("is true for a pod that no longer exists and a container its daemon no longer knows", () => {
    expect(isTargetGone(new RecordDecodeError("PodNotFound", "ns/web-0", "pod ns/web-0 not found"))).toBe(true);
    expect(isTargetGone(new ConnectError("container not found", Code.NotFound))).toBe(true);
  });

  it("is false for every other failure, so those are retried", () => {
    expect(isTargetGone(new RecordDecodeError("ContainerNotStarted", "ns/web-0/web", "not started"))).toBe(false);
    expect(isTargetGone(new RecordDecodeError("PodNotScheduled", "ns/web-0", "not scheduled"))).toBe(false);
    expect(isTargetGone(new ConnectError("runtime unreachable", Code.Unavailable))).toBe(false);
    expect(isTargetGone(new Error("fetch failed"))).toBe(false);
    expect(isTargetGone(undefined)).toBe(false);
  });
});
