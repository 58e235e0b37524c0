// For the helper's integration specs (and the daemon's): the native build, made once if missing,
// so a fresh clone's `npm test` works without a separate build step.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultTimeSkewBinary } from "./time-skew-helper.js";

export const timeSkewNativeDir = fileURLToPath(new URL("./native", import.meta.url));
/** The test targets the Makefile builds beside the helper. */
export const clockPrinterBinary = fileURLToPath(new URL("./native/build/clock-printer", import.meta.url));
export const clockThreadsBinary = fileURLToPath(new URL("./native/build/clock-threads", import.meta.url));
export const vforkParentBinary = fileURLToPath(new URL("./native/build/vfork-parent", import.meta.url));
/** The helper as another architecture gets it (built with -DFL_FORCE_UNSUPPORTED): refuses everything. */
export const unsupportedTimeSkewBinary = fileURLToPath(new URL("./native/build/faultline-time-skew-unsupported", import.meta.url));

let built = false;
/**
 * Runs `make -C native` once per test file (make rebuilds only what is missing or older than its
 * sources, so a fresh clone builds everything and an edited .c is never tested stale); the helper's path.
 */
export function ensureTimeSkewBinary(): string {
  if (!built) execFileSync("make", ["-s", "-C", timeSkewNativeDir], { stdio: "pipe" });
  built = true;
  const binary = defaultTimeSkewBinary();
  for (const file of [binary, clockPrinterBinary, clockThreadsBinary, vforkParentBinary, unsupportedTimeSkewBinary]) {
    if (!existsSync(file)) throw new Error(`make -C ${timeSkewNativeDir} did not build ${file}`);
  }
  return binary;
}
