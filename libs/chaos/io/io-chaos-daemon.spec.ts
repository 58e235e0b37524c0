import { Code } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { callDaemonHandler } from "@faultline/daemon-server";
import type { IOChaosAction } from "./io-action.js";
import { createIOChaosDaemon } from "./io-chaos-daemon.js";
import { iofsMountIdIn, type IOFdSwapper, type IOFsHelper } from "./io-helpers.js";

// Pure logic only: what the handlers refuse before anything is touched (helpers, runtime and state
// directory that fail the test if reached), and the mountinfo parsing. What the daemon does to real
// containers, servers and mounts (pid reuse, a gone container, a dead server and watchdog, failures
// of the helpers) is in io-chaos-daemon.integration.spec.ts.
const cid = (c: string) => "containerd://" + c.repeat(64);
const key = (n: number) => `${"0".repeat(24)}${String(n).padStart(8, "0")}/ns/web-0/main`;
const fault: IOChaosAction = { type: "fault", path: "/data/**", percent: 100, faults: [{ errno: 5, weight: 1 }] };
const exec = (containerId: string, volumePath: string, recordKey: string, action: IOChaosAction) => ({ containerId, volumePath, recordKey, action: JSON.stringify(action) });

function untouchable() {
  const touched: string[] = [];
  const no = (what: string) => () => {
    touched.push(what);
    throw new Error(`${what} reached`);
  };
  const iofs: IOFsHelper = { check: no("check"), serve: no("serve"), unmount: no("unmount") };
  const fdSwap: IOFdSwapper = { swap: no("swap") };
  const deps = { runtime: { getPid: no("runtime") }, runner: {} } as unknown as DaemonKindDeps;
  const daemon = createIOChaosDaemon(deps, { iofs, fdSwap, kill: no("kill"), stateDir: "/nonexistent/faultline-io-state", paths: { procRoot: "/nonexistent/proc", cgroupRoot: "/nonexistent/cgroup" }, watchIntervalMs: 0 });
  const call = (method: Parameters<typeof callDaemonHandler>[1], req: object) => callDaemonHandler(daemon.handlers, method, req as never, {});
  return { call, touched };
}

describe("ioChaosDaemon: bad requests", () => {
  it.each([
    [{ containerId: "abc" }, /^containerId: "abc" is not a runtime-prefixed container id/],
    [{ volumePath: "/" }, /^volumePath: "\/" is the container's root/],
    [{ volumePath: "data" }, /^volumePath: "data" is not an absolute path/],
    [{ recordKey: "" }, /^recordKey: a record key is required/],
    [{ action: '{"type":"fault","faults":[{"errno":0,"weight":1}]}' }, /^action\.faults\[0\]\.errno: errno 0 is not a fault/],
    [{ action: "" }, /^action: an action is required/],
  ])("ExecIOChaos refuses %j with InvalidArgument naming the field, touching nothing", async (bad, message) => {
    const s = untouchable();
    await expect(s.call("execIOChaos", { ...exec(cid("a"), "/data", key(1), fault), ...bad })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(message) });
    expect(s.touched).toEqual([]);
  });

  it("ApplyIOChaos refuses bad actions and a bad volume naming the element, touching nothing", async () => {
    const s = untouchable();
    await expect(s.call("applyIOChaos", { containerId: cid("a"), volume: "/data", actions: '[{"type":"latency"}]' })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^actions\[0\]\.latency: /) });
    await expect(s.call("applyIOChaos", { containerId: cid("a"), volume: "/", actions: "[]" })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^volume: /) });
    expect(s.touched).toEqual([]);
  });

  it("RecoverIOChaos refuses a bad record key, touching nothing", async () => {
    const s = untouchable();
    await expect(s.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: "" })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^recordKey: /) });
    expect(s.touched).toEqual([]);
  });
});

describe("iofsMountIdIn", () => {
  it("finds our mount on top of the volume (escaped paths too), and nothing when the top one is not ours", () => {
    const info = ["20 1 8:1 / / rw - ext4 /dev/sda1 rw", "31 20 0:40 / /my\\040data rw - tmpfs tmpfs rw", "45 31 0:45 / /my\\040data rw,nosuid - fuse.faultline-iofs faultline-iofs rw"].join("\n");
    expect(iofsMountIdIn(info, "/my data")).toBe(45);
    expect(iofsMountIdIn(info.split("\n").slice(0, 2).join("\n"), "/my data")).toBeUndefined();
    expect(iofsMountIdIn(`${info}\n50 45 0:50 / /my\\040data rw - tmpfs tmpfs rw`, "/my data")).toBeUndefined();
  });
});
