// For the integration specs that run faultline-spawn: the native build, made once per test file
// (make rebuilds only what is stale), and how they find and wait for the processes a run starts.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultSpawnHelperBinary } from "./spawn-helper.js";

const nativeDir = fileURLToPath(new URL("./native", import.meta.url));
let built = false;

/** Runs `make -C native build/faultline-spawn` once; the binary's path. */
export function ensureSpawnHelperBinary(): string {
  if (!built) execFileSync("make", ["-s", "-C", nativeDir, "build/faultline-spawn"], { stdio: "pipe" });
  built = true;
  const binary = defaultSpawnHelperBinary();
  if (!existsSync(binary)) throw new Error(`make -C ${nativeDir} did not build ${binary}`);
  return binary;
}

/** Pids of `sleep <duration>` processes: how a test finds the processes a run started (a zombie's command line is empty: not counted). */
export const sleepsOf = (duration: string): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${duration}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);

/** Polls `check` every 20 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
