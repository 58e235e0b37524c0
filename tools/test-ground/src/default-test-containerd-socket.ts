import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The socket of the private containerd that `tools/runtime/setup.sh` starts for tests:
 * `$FAULTLINE_RUNTIME_DIR/containerd.sock`, or `<repo root>/.runtime/containerd.sock` when the
 * variable is unset. The repo root is the nearest directory above this file holding `nx.json`.
 */
export function defaultTestContainerdSocket(): string {
  const runtimeDir = process.env["FAULTLINE_RUNTIME_DIR"] || join(findRepoRoot(), ".runtime");
  return join(runtimeDir, "containerd.sock");
}

function findRepoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "nx.json"))) return dir;
    if (dirname(dir) === dir) break;
  }
  // tools/test-ground/{src,dist} → the repo root is three levels up
  return join(start, "..", "..", "..");
}
