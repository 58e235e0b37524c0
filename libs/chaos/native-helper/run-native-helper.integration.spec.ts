import { runNativeHelper } from "./run-native-helper.js";

class HelperError extends Error {}
const sh = (script: string) => ["-c", script];
const options = { stopAfterMs: 10_000, label: "sh test", error: HelperError };

describe("runNativeHelper (a real process: sh)", () => {
  it("resolves with the helper's own exit code and its output", async () => {
    expect(await runNativeHelper("sh", sh("echo out; echo err >&2; exit 1"), options)).toEqual({ code: 1, stdout: "out\n", stderr: "err\n" });
    expect(await runNativeHelper("sh", sh("echo fine"), options)).toEqual({ code: 0, stdout: "fine\n", stderr: "" });
  });

  it("SIGKILLs a helper that does not answer in time", async () => {
    await expect(runNativeHelper("sh", sh("exec sleep 30"), { ...options, stopAfterMs: 200 })).rejects.toThrow(
      new HelperError("sh test: killed by SIGKILL (no answer within 200 ms)"),
    );
  });

  it("with a SIGTERM grace, SIGTERMs first: a helper that stops at a safe point still answers", async () => {
    const script = 'sleep 30 >/dev/null 2>&1 & trap \'kill $!; echo "stopped at a safe point"; exit 1\' TERM; wait';
    expect(await runNativeHelper("sh", sh(script), { ...options, stopAfterMs: 200, termGraceMs: 10_000 })).toEqual({
      code: 1,
      stdout: "stopped at a safe point\n",
      stderr: "",
    });
  });

  it("with a SIGTERM grace, SIGKILLs a helper that ignores SIGTERM once the grace has passed", async () => {
    await expect(runNativeHelper("sh", sh("trap '' TERM; while :; do sleep 0.05; done"), { ...options, stopAfterMs: 100, termGraceMs: 200 })).rejects.toThrow(
      new HelperError("sh test: killed by SIGKILL (no answer within 100 ms)"),
    );
  });

  it("an abort stops it and rejects as aborted; a binary that cannot start is named", async () => {
    const controller = new AbortController();
    const run = runNativeHelper("sh", sh("exec sleep 30"), { ...options, signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toThrow(new HelperError("sh test: aborted"));
    await expect(runNativeHelper("/nonexistent/helper", [], options)).rejects.toThrow("/nonexistent/helper: cannot run");
  });
});
