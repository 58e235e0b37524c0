import { spawn } from "node:child_process";
import type { ProcessSpawner, SpawnOutcome, SpawnRequest } from "./process-spawner.js";

/**
 * Starts processes with Node's child_process (a fork of the daemon itself, whose cost grows with
 * the daemon's resident memory). The fallback of the SpawnHelper, and the spawner where
 * faultline-spawn is not installed.
 */
export const nodeProcessSpawner: ProcessSpawner = {
  spawn(request: SpawnRequest): Promise<SpawnOutcome> {
    return new Promise((resolve) => {
      // detached: its own session and process group, so a kill takes nsenter and what it forked
      const child = spawn(request.file, [...request.args], { stdio: [request.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], detached: true, shell: false });
      if (request.input !== undefined && child.stdin) {
        child.stdin.on("error", () => undefined); // a process that exits without reading: its status tells
        child.stdin.end(request.input);
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let outputBytes = 0;
      let failure: "timeout" | "cancelled" | "output-too-large" | undefined;
      const killGroup = (reason: NonNullable<typeof failure>) => {
        failure ??= reason;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        outputBytes += chunk.length;
        if (outputBytes > request.maxOutputBytes) killGroup("output-too-large");
        else if (failure !== "output-too-large") into.push(chunk);
      };
      child.stdout!.on("data", collect(stdout));
      child.stderr!.on("data", collect(stderr));
      const timer = setTimeout(() => killGroup("timeout"), Math.min(request.timeoutMs, 2 ** 31 - 1)); // a larger delay fires at once
      const onAbort = () => killGroup("cancelled");
      request.signal?.addEventListener("abort", onAbort, { once: true });
      if (request.signal?.aborted) onAbort();
      const finish = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      };
      child.on("error", (err) => {
        finish();
        resolve({ kind: "spawn-failed", message: err.message, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
      });
      child.on("close", (code, signal) => {
        finish();
        const output = { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
        if (failure !== undefined) resolve({ kind: failure, ...output });
        else if (code === null) resolve({ kind: "signaled", signal: signal ?? "SIGKILL", ...output });
        else resolve({ kind: "exited", code, ...output });
      });
    });
  },
};
