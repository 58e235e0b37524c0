import { fileURLToPath } from "node:url";
import {
  FdSwapHelperError,
  checkFdSwapVolume,
  createFdSwapHelper,
  defaultFdSwapBinary,
  fdSwapArgv,
  parseFdSwapLine,
  parseFdSwapOutput,
} from "./fd-swap-helper.js";

describe("fdSwapArgv", () => {
  it("--volume, --timeout-ms (default 5000), then the pids in order", () => {
    expect(fdSwapArgv({ volume: "/data", pids: [10, 11] })).toEqual(["--volume", "/data", "--timeout-ms", "5000", "10", "11"]);
    expect(fdSwapArgv({ volume: "/var/lib/my data", pids: [7], timeoutMs: 300, stopAfterFd: 2, fromMount: 1234 })).toEqual([
      "--volume", "/var/lib/my data", "--from-mount", "1234", "--timeout-ms", "300", "--stop-after-fd", "2", "7",
    ]);
  });
  it("refuses bad pids, timeouts and the test hook, naming the field", () => {
    expect(() => fdSwapArgv({ volume: "/data", pids: [] })).toThrow("pids: at least one pid");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1, 0] })).toThrow("pids[1]: want an integer in 1..4194304, got 0");
    expect(() => fdSwapArgv({ volume: "/data", pids: [4194305] })).toThrow("pids[0]");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1.5] })).toThrow("pids[0]");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1], timeoutMs: 0 })).toThrow("timeoutMs: want an integer in 1..600000, got 0");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1], timeoutMs: 600_001 })).toThrow("timeoutMs");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1], stopAfterFd: -1 })).toThrow("stopAfterFd: want an integer in 0..65536, got -1");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1], fromMount: 0 })).toThrow("fromMount: want a mount id (an integer in 1..2147483647), got 0");
    expect(() => fdSwapArgv({ volume: "/data", pids: [1], fromMount: 2 ** 31 })).toThrow("fromMount");
  });
});

describe("checkFdSwapVolume", () => {
  it.each([
    ["data", "want an absolute path"],
    ["", "want an absolute path"],
    ["/", "must not be /"],
    ["/data/", "no trailing /"],
    ["/data//x", "want a normalised path (no empty, . or .. component)"],
    ["/data/./x", "want a normalised path (no empty, . or .. component)"],
    ["/data/..", "want a normalised path (no empty, . or .. component)"],
    ["/da\nta", "control character"],
    ["/" + "a".repeat(4000), "longer than 4000 bytes"],
  ])("%j: %s", (volume, message) => {
    expect(() => checkFdSwapVolume(volume)).toThrow(FdSwapHelperError);
    expect(() => checkFdSwapVolume(volume)).toThrow(`volume: ${message}`);
  });
  it("accepts normal absolute paths, spaces and dots inside names included", () => {
    for (const v of ["/data", "/var/lib/my data", "/a/.hidden", "/a/b..c", "/" + "a".repeat(3999)]) expect(() => checkFdSwapVolume(v)).not.toThrow();
  });
});

describe("parsing the helper's JSON lines", () => {
  it("ok, with skipped descriptors (the cwd as fd -1)", () => {
    expect(parseFdSwapLine('{"pid":5,"swapped":3,"cwd":true,"mappings":2,"skipped":[{"fd":7,"reason":"/data/x: deleted"},{"fd":-1,"reason":"cwd"}],"state":"ok"}')).toEqual({
      pid: 5, state: "ok", swapped: 3, cwd: true, mappings: 2, skipped: [{ fd: 7, reason: "/data/x: deleted" }, { fd: -1, reason: "cwd" }],
    });
  });
  it("gone, and error with its message (and what was done before it)", () => {
    expect(parseFdSwapLine('{"pid":5,"swapped":0,"cwd":false,"mappings":0,"skipped":[],"state":"gone"}')).toEqual({ pid: 5, state: "gone", swapped: 0, cwd: false, mappings: 0, skipped: [] });
    expect(parseFdSwapLine('{"pid":5,"swapped":1,"cwd":false,"mappings":0,"skipped":[],"state":"error","error":"deadline"}')).toEqual({
      pid: 5, state: "error", swapped: 1, cwd: false, mappings: 0, skipped: [], error: "deadline",
    });
  });
  it("refuses what is not the contract", () => {
    expect(() => parseFdSwapLine("nope")).toThrow("helper output is not JSON");
    expect(() => parseFdSwapLine('{"state":"ok"}')).toThrow("has no pid");
    expect(() => parseFdSwapLine('{"pid":1,"swapped":0,"cwd":false,"mappings":0,"skipped":[],"state":"done"}')).toThrow('unknown state "done"');
    expect(() => parseFdSwapLine('{"pid":1,"cwd":false,"mappings":0,"skipped":[],"state":"ok"}')).toThrow("wants swapped, cwd, mappings, skipped");
    expect(() => parseFdSwapLine('{"pid":1,"swapped":0,"cwd":false,"mappings":0,"skipped":[{"fd":"3"}],"state":"ok"}')).toThrow("skipped[0] wants {fd, reason}");
  });
  it("one line per pid in argv order", () => {
    const line = (pid: number) => `{"pid":${pid},"swapped":0,"cwd":false,"mappings":0,"skipped":[],"state":"ok"}`;
    expect(parseFdSwapOutput(`${line(1)}\n${line(2)}\n`, [1, 2]).map((r) => r.pid)).toEqual([1, 2]);
    expect(() => parseFdSwapOutput(`${line(1)}\n`, [1, 2])).toThrow("helper printed 1 lines for 2 pids");
    expect(() => parseFdSwapOutput(`${line(2)}\n${line(1)}\n`, [1, 2])).toThrow("helper line 0 is for pid 2, not 1");
  });
});

describe("createFdSwapHelper", () => {
  it("finds the binary next to the module by default: native/build/faultline-fd-swap", () => {
    expect(defaultFdSwapBinary()).toBe(fileURLToPath(new URL("./native/build/faultline-fd-swap", import.meta.url)));
  });
  it("refuses bad input before running anything (a binary that does not exist is never reached)", async () => {
    const helper = createFdSwapHelper({ binary: "/nonexistent/faultline-fd-swap" });
    await expect(helper.swap("data", [1])).rejects.toThrow("volume: want an absolute path");
    await expect(helper.swap("/data", [0])).rejects.toThrow("pids[0]");
    await expect(helper.swap("/data", [1])).rejects.toThrow("/nonexistent/faultline-fd-swap: cannot run");
  });
});
