// A handle on the local cluster for test suites: start it once, reuse it when it is already up.
//
//   import { ensureCluster } from "../../tools/local-cluster/handle.mjs";
//   const { kubeconfigPath, server } = await ensureCluster({ mode: "api-only" });
//
// "api-only" is satisfied by a cluster that is up in either mode; "full" upgrades an api-only
// cluster (the apiserver restarts once, with the ServiceAccount admission plugin back on).
// Concurrent callers, in this process or in other processes, are serialised by the script's lock.
// The cluster outlives the test run on purpose (the next run reuses it); `stopCluster()` or
// `tools/local-cluster/local-cluster down` stops it.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const scriptPath = join(dirname(fileURLToPath(import.meta.url)), "local-cluster");

function run(args, { env = process.env, progress = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(scriptPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (progress) process.stderr.write(d);
    });
    child.stderr.on("data", (d) => {
      err += d;
      if (progress) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

function parseStatus(text) {
  const field = (name) => text.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1];
  return { mode: field("mode"), server: field("server"), kubeconfigPath: field("kubeconfig") };
}

/** Status of the cluster, without starting anything. */
export async function clusterStatus(options = {}) {
  const { code, out } = await run(["status"], { ...options, progress: false });
  const s = parseStatus(out);
  return { up: code === 0, mode: s.mode, server: s.server, kubeconfigPath: s.kubeconfigPath };
}

const pending = new Map();

/**
 * Make sure a cluster of at least `mode` is up, and describe it.
 * @param {{mode?: "full" | "api-only", env?: NodeJS.ProcessEnv, progress?: boolean}} [options]
 */
export function ensureCluster(options = {}) {
  const mode = options.mode ?? "full";
  if (mode !== "full" && mode !== "api-only") throw new Error(`ensureCluster: unknown mode ${mode}`);
  const key = `${mode}`;
  if (!pending.has(key)) {
    const p = (async () => {
      const s = await clusterStatus(options);
      if (s.up && (s.mode === mode || s.mode === "full")) {
        return { kubeconfigPath: s.kubeconfigPath, server: s.server, mode: s.mode, started: false };
      }
      const r = await run(mode === "api-only" ? ["up", "--api-only"] : ["up"], options);
      if (r.code !== 0) {
        const tail = (r.err || r.out).trim().split("\n").slice(-25).join("\n");
        throw new Error(`local-cluster up${mode === "api-only" ? " --api-only" : ""} failed (exit ${r.code}):\n${tail}`);
      }
      const after = await clusterStatus(options);
      if (!after.up) throw new Error(`local-cluster up succeeded but status says it is not up:\n${JSON.stringify(after)}`);
      // another caller may have started it while this one waited for the script's lock
      const started = !/\] already up \(/.test(r.out);
      return { kubeconfigPath: after.kubeconfigPath, server: after.server, mode: after.mode, started };
    })();
    pending.set(key, p);
    p.catch(() => pending.delete(key));
  }
  return pending.get(key);
}

/** Stop everything `up` started (`local-cluster down`). */
export async function stopCluster(options = {}) {
  pending.clear();
  const r = await run(["down"], options);
  if (r.code !== 0) throw new Error(`local-cluster down failed (exit ${r.code}):\n${r.err || r.out}`);
}
