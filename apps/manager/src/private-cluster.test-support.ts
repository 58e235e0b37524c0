// Test support: a local cluster and a container runtime of the test's own, beside the shared ones,
// for tests that stop, freeze and restart the API server and etcd. Nothing here touches the shared
// `.cluster` or `.runtime`: every command gets this cluster's own directory, ports, node name,
// cgroup root (and no kube-proxy), and the runtime its own directory, bridge and subnet.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const clusterScript = join(repo, "tools/local-cluster/local-cluster");
const runtimeSetup = join(repo, "tools/runtime/setup.sh");
const runtimeTeardown = join(repo, "tools/runtime/teardown.sh");

/** Where a private cluster and its runtime live, and on which ports. */
export interface PrivateClusterSpec {
  /** A short name: `.cluster-<name>` and `.runtime-<name>` under the repository. */
  name: string;
  apiServerPort: number;
  etcdPort: number;
  /** The runtime's CNI bridge (at most 15 characters) and subnet. */
  bridge: string;
  subnet: string;
}

/** The outage test's cluster: its values are distinct from the shared cluster's and every other private one. */
export const outageCluster: PrivateClusterSpec = { name: "outage", apiServerPort: 16443, etcdPort: 12479, bridge: "flout0", subnet: "10.91.0.0/16" };

class CommandError extends Error {
  override name = "CommandError";
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new CommandError(`${command} ${args.join(" ")} ended with ${code ?? signal}:\n${output.slice(-3000)}`));
    });
  });
}

/** A private api-only cluster and runtime, started by {@link startPrivateCluster}. */
export interface PrivateCluster {
  spec: PrivateClusterSpec;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  /** The private runtime's CRI socket (for a SimulatedKubelet and the daemon). */
  containerdSocket: string;
  /** The pid `up` recorded for a component, read fresh each time (it changes when `up` replaces it). */
  pidOf(component: "etcd" | "kube-apiserver"): number;
  /** `local-cluster up --api-only`: starts what is missing and replaces what runs but does not serve. */
  up(): Promise<void>;
  /** Stops the cluster and the runtime and removes what they made. */
  down(): Promise<void>;
}

/**
 * Starts (or reuses) a private api-only cluster and a private runtime. The first start on a machine
 * waits for the Kubernetes binaries (the script's build lock serialises builds; cached ones are reused).
 */
export async function startPrivateCluster(spec: PrivateClusterSpec, timeoutMs = 1_500_000): Promise<PrivateCluster> {
  const dir = join(repo, `.cluster-${spec.name}`);
  const runtimeDir = join(repo, `.runtime-${spec.name}`);
  const clusterEnv: NodeJS.ProcessEnv = {
    ...process.env,
    FAULTLINE_CLUSTER_DIR: dir,
    FAULTLINE_APISERVER_PORT: String(spec.apiServerPort),
    FAULTLINE_ETCD_PORT: String(spec.etcdPort),
    FAULTLINE_NODE_NAME: `faultline-${spec.name}`,
    FAULTLINE_CGROUP_ROOT: `faultline-${spec.name}`,
    FAULTLINE_KUBE_PROXY: "0",
    FAULTLINE_REPLACE_AFTER: "1",
  };
  const runtimeEnv: NodeJS.ProcessEnv = {
    ...process.env,
    FAULTLINE_RUNTIME_DIR: runtimeDir,
    FAULTLINE_CNI_BRIDGE: spec.bridge,
    FAULTLINE_CNI_SUBNET: spec.subnet,
  };
  await run("bash", [runtimeSetup], runtimeEnv, 600_000);
  // The outage specs restart what they broke with `up`, on a machine that the rest of the suite
  // keeps busy; what they test is the manager, not the script, so a failed `up` is shown (stderr,
  // with the script's own output) and tried once more before it fails the spec.
  const upOnce = () => run(clusterScript, ["up", "--api-only"], clusterEnv, timeoutMs).then(() => undefined);
  const up = () =>
    upOnce().catch((error: unknown) => {
      if (!(error instanceof CommandError)) throw error;
      process.stderr.write(`private cluster ${spec.name}: ${error.message}\n(trying \`up\` once more)\n`);
      return upOnce();
    });
  await up();
  const kubeconfigPath = join(dir, "admin.kubeconfig");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return {
    spec,
    kubeConfig,
    kubeconfigPath,
    containerdSocket: join(runtimeDir, "containerd.sock"),
    pidOf: (component) => Number(readFileSync(join(dir, "pids", `${component}.pid`), "utf8").trim()),
    up,
    async down() {
      const failures: unknown[] = [];
      await run(clusterScript, ["down"], clusterEnv, 120_000).catch((error: unknown) => failures.push(error));
      await run("bash", [runtimeTeardown], runtimeEnv, 120_000).catch((error: unknown) => failures.push(error));
      if (failures.length) throw new AggregateError(failures, `could not stop the private cluster ${spec.name}`);
    },
  };
}
