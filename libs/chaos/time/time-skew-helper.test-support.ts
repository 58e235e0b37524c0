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
/** Runs `make -C native` once per test file when the helper or a target is missing; the helper's path. */
export function ensureTimeSkewBinary(): string {
  const binary = defaultTimeSkewBinary();
  if (!built && ![binary, clockPrinterBinary, clockThreadsBinary, vforkParentBinary, unsupportedTimeSkewBinary].every((f) => existsSync(f))) {
    execFileSync("make", ["-C", timeSkewNativeDir], { stdio: "pipe" });
  }
  built = true;
  return binary;
}
