import { existsSync } from "node:fs";
import { parseContainerId } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import type { InitProcessCache } from "./init-process-cache.js";

/** A runtime whose running containers a warm-up pass lists: its id prefix, socket and backend. */
export interface WarmedRuntime {
  prefix: "containerd" | "cri-o";
  socketPath: string;
  backend: () => ContainerRuntimeBackend;
}

/** What one warm-up pass did. */
export interface PidCacheWarmPass {
  /** Running containers the runtimes listed. */
  listed: number;
  /** Of those, the ones whose pid was asked of the runtime (not cached yet, or cached no more). */
  lookedUp: number;
  /** Runtimes that could not be listed or asked, with why; the next pass tries again. */
  errors: string[];
}

/** Runtime lookups at once in a warm-up pass: gentle, it runs in the background. */
export const warmLookupConcurrency = 2;

/**
 * One warm-up pass: lists the running containers of every runtime whose socket exists, and asks
 * the runtime for the init pid of each one the cache cannot answer, remembering it. A later
 * `getPid` or kill of those containers is then answered from /proc alone (the cache hands a pid out
 * only while its process is provably the same one). Costs one list call per runtime when nothing
 * started since the last pass.
 */
export async function warmPidCache(runtimes: readonly WarmedRuntime[], pids: InitProcessCache, signal?: AbortSignal): Promise<PidCacheWarmPass> {
  const pass: PidCacheWarmPass = { listed: 0, lookedUp: 0, errors: [] };
  for (const runtime of runtimes) {
    if (signal?.aborted) break;
    if (!existsSync(runtime.socketPath)) continue;
    const backend = runtime.backend();
    if (!backend.listRunning) continue;
    let ids: string[];
    try {
      ids = await backend.listRunning(signal);
    } catch (error) {
      pass.errors.push(`${runtime.prefix} at ${runtime.socketPath}: ${(error as Error).message}`);
      continue;
    }
    pass.listed += ids.length;
    const missing = ids.map((id) => `${runtime.prefix}://${id}`).filter((raw) => pids.get(raw) === undefined);
    let next = 0;
    const lane = async () => {
      while (next < missing.length && !signal?.aborted) {
        const raw = missing[next++]!;
        try {
          const ref = parseContainerId(raw);
          pids.remember(raw, await backend.getPid(ref, signal));
          pass.lookedUp++;
        } catch {
          // stopped in between, or not running yet: a real call asks the runtime itself
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(warmLookupConcurrency, missing.length) }, lane));
  }
  return pass;
}
