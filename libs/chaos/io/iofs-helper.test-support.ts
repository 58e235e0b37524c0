// For the server's integration specs (and the daemon's): the native build, made once if missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultIofsBinary } from "./iofs-helper.js";

export const ioNativeDir = fileURLToPath(new URL("./native", import.meta.url));

let built = false;
/** Runs `make -C native build/faultline-iofs` once per test file (make rebuilds only what is stale); the binary's path. */
export function ensureIofsBinary(): string {
  if (!built) execFileSync("make", ["-s", "-C", ioNativeDir, "build/faultline-iofs"], { stdio: "pipe" });
  built = true;
  const binary = defaultIofsBinary();
  if (!existsSync(binary)) throw new Error(`make -C ${ioNativeDir} did not build ${binary}`);
  return binary;
}
