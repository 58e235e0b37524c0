// For faultline-fd-swap's integration specs (and the daemon's): its native build, made once per test
// file if missing or stale, so a fresh clone's `npm test` works without a separate build step. Only
// the fd-swap targets are made (faultline-iofs needs libfuse3-dev; its own specs build it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultFdSwapBinary } from "./fd-swap-helper.js";

export const ioNativeDir = fileURLToPath(new URL("./native", import.meta.url));
/** The test target the Makefile builds beside the helper (targets/fd-holder.c). */
export const fdHolderBinary = fileURLToPath(new URL("./native/build/fd-holder", import.meta.url));
/** The helper as another architecture gets it (built with -DFL_FORCE_UNSUPPORTED): refuses everything. */
export const unsupportedFdSwapBinary = fileURLToPath(new URL("./native/build/faultline-fd-swap-unsupported", import.meta.url));

let built = false;
/** Runs `make -C native <the fd-swap files>` once per test file; the helper's path. */
export function ensureFdSwapBinary(): string {
  const binary = defaultFdSwapBinary();
  const files = [binary, fdHolderBinary, unsupportedFdSwapBinary];
  // the Makefile's own (relative) target names: make knows no rule for an absolute path, and would
  // silently keep a stale binary
  if (!built) execFileSync("make", ["-s", "-C", ioNativeDir, ...files.map((f) => `build/${basename(f)}`)], { stdio: "pipe" });
  built = true;
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`make -C ${ioNativeDir} did not build ${file}`);
  }
  return binary;
}
