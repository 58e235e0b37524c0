// node --test tools/local-cluster/test/handle.test.mjs   (as root; ~40 s with cached binaries)
//
// The programmatic handle, on a private cluster (own dir, ports, node name, cgroup root, no
// kube-proxy) so that it never touches the default cluster other suites may be using:
// concurrent starts from two processes start it once, api-only is reused, full upgrades it,
// stopCluster stops it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { clusterStatus, ensureCluster, stopCluster } from "../handle.mjs";

const dir = mkdtempSync(join(tmpdir(), "lc-handle-"));
const env = {
  ...process.env,
  FAULTLINE_CLUSTER_DIR: dir,
  FAULTLINE_APISERVER_PORT: "17443",
  FAULTLINE_ETCD_PORT: "17479",
  FAULTLINE_KCM_PORT: "17257",
  FAULTLINE_SCHEDULER_PORT: "17259",
  FAULTLINE_KUBELET_PORT: "17250",
  FAULTLINE_KUBELET_HEALTHZ_PORT: "17248",
  FAULTLINE_NODE_NAME: "lc-handle-node",
  FAULTLINE_CGROUP_ROOT: "faultline-handle",
  FAULTLINE_KUBE_PROXY: "0",
};
const opts = { env, progress: false };

after(async () => {
  await stopCluster(opts).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function ensureInChild(mode) {
  const code = `import { ensureCluster } from ${JSON.stringify(new URL("../handle.mjs", import.meta.url).href)};
    console.log(JSON.stringify(await ensureCluster({ mode: ${JSON.stringify(mode)}, progress: false })));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (c) => (c === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exit ${c}: ${out}`))));
  });
}

test("two processes asking at once start one api-only cluster", { timeout: 300_000 }, async () => {
  assert.equal((await clusterStatus(opts)).up, false);
  const [a, b] = await Promise.all([ensureInChild("api-only"), ensureInChild("api-only")]);
  assert.equal(a.server, "https://127.0.0.1:17443");
  assert.equal(b.server, a.server);
  assert.equal(a.kubeconfigPath, join(dir, "admin.kubeconfig"));
  assert.deepEqual([a.started, b.started].sort(), [false, true], "exactly one of them started it");
});

test("api-only is reused; the same call in one process returns one promise", async () => {
  const p1 = ensureCluster({ ...opts, mode: "api-only" });
  const p2 = ensureCluster({ ...opts, mode: "api-only" });
  assert.equal(p1, p2);
  const h = await p1;
  assert.equal(h.started, false);
  assert.equal(h.mode, "api-only");
});

test("full upgrades the api-only cluster to a Ready node", { timeout: 300_000 }, async () => {
  const h = await ensureCluster({ ...opts, mode: "full" });
  assert.equal(h.mode, "full");
  assert.equal(h.started, true);
  const s = await clusterStatus(opts);
  assert.equal(s.up, true); // status checks the node is Ready
  const again = await ensureChildFull();
  assert.equal(again.started, false);
  assert.equal(again.mode, "full");
});
const ensureChildFull = () => ensureInChild("api-only"); // a full cluster serves api-only callers

test("stopCluster stops it", { timeout: 120_000 }, async () => {
  await stopCluster(opts);
  assert.equal((await clusterStatus(opts)).up, false);
});
