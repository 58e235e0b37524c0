import { Code } from "@connectrpc/connect";
import { ExecStressRequest_Scope } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { callDaemonHandler } from "@faultline/daemon-server";
import { stressChaosDaemon } from "./stress-chaos-daemon.js";

// The checks ExecStressors and CancelStressors make before touching anything: a runtime that
// records each lookup shows none was made. Starting real stressors is in
// stress-chaos-daemon.integration.spec.ts.
describe("stressChaosDaemon's request checks", () => {
  const lookups: string[] = [];
  const deps = {
    runtime: {
      async getPid(id: string) {
        lookups.push(id);
        return 4242;
      },
    },
    runner: {},
  } as unknown as DaemonKindDeps;
  const handlers = stressChaosDaemon(deps, { markerSecretFile: "/nonexistent/never-read" });
  const target = "containerd://" + "c".repeat(64);
  const exec = (fields: object) =>
    callDaemonHandler(handlers, "execStressors", { scope: ExecStressRequest_Scope.CONTAINER, target, cpuStressors: "--cpu 1", ...fields });

  beforeEach(() => (lookups.length = 0));

  it.each([
    [{ scope: ExecStressRequest_Scope.POD }, /scope: only CONTAINER is supported/],
    [{ target: "" }, /target: a container id is required/],
    [{ oomScoreAdj: 1001 }, /oomScoreAdj must be -1000..1000/],
    [{ recordKey: "uid/ns/pod/c; rm" }, /recordKey .* holds characters other than/],
    [{ cpuStressors: "", memoryStressors: "" }, /missing stressors/],
    [{ cpuStressors: "--cpu 1 | sh" }, /cpuStressors holds a character other than/],
    [{ cpuStressors: "--cpu 1 --hdd 1" }, /cpuStressors: --hdd is not allowed: only CPU and memory stressors/],
    [{ cpuStressors: "--cpu 1 --hdd-w 4096" }, /cpuStressors: --hdd-write-size \(--hdd-w is --hdd-write-size\) is not allowed/],
    [{ cpuStressors: "--cpu 1 --temp-pa tmp" }, /cpuStressors: --temp-path \(--temp-pa is --temp-path\) is not allowed/],
    [{ cpuStressors: "--cpu-lo 50 --cpu 1" }, /cpuStressors: --cpu-lo is ambiguous/],
    [{ cpuStressors: "", memoryStressors: "--workers 1 --size 1MB --vm-locked" }, /memoryStressors: --vm-locked is not allowed/],
    [{ cpuStressors: "", memoryStressors: "--workers 1 --size 2TiBs" }, /--size|size/],
  ])("refuses %j with InvalidArgument, looking up no container", async (fields, message) => {
    await expect(exec(fields)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(message) });
    expect(lookups).toEqual([]);
  });

  it("CancelStressors refuses a malformed record key, and cancels nothing it cannot name", async () => {
    await expect(callDaemonHandler(handlers, "cancelStressors", { recordKey: "a b" })).rejects.toMatchObject({ code: Code.InvalidArgument });
    // nothing named (no key, no uid, no pid): nothing to stop, and that is no error
    await expect(callDaemonHandler(handlers, "cancelStressors", {})).resolves.toMatchObject({ $typeName: "google.protobuf.Empty" });
  });
});
