// Test support: the built manager and daemon as real processes, on the local cluster's API server.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import {
  SimulatedKubelet,
  applyChaosCrds,
  createTestNamespace,
  localCluster,
  startAppProcess,
  type AppProcess,
  type LocalCluster,
} from "@faultline/test-ground";

export const managerMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));
export const daemonMain = fileURLToPath(new URL("../../daemon/dist/main.js", import.meta.url));

/** A daemon on a unix socket in a fresh directory, serving the private containerd (or the one given). */
export async function startTestDaemon(
  socketPath = join(mkdtempSync(join(tmpdir(), "faultline-e2e-")), "daemon.sock"),
  containerdSocket = defaultTestContainerdSocket(),
): Promise<{ daemon: AppProcess; socketPath: string }> {
  const daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socketPath, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );
  return { daemon, socketPath };
}

export { freePort } from "@faultline/test-ground";

/** The manager, leading, reaching every node's daemon at `daemonSocket`. */
export function startTestManager(options: {
  kubeconfigPath: string;
  namespace: string;
  daemonSocket: string;
  httpPort: number;
  extraArgs?: string[];
}): Promise<AppProcess> {
  return startAppProcess(
    managerMain,
    [
      "--kubeconfig", options.kubeconfigPath,
      "--namespace", options.namespace,
      "--daemon-address", `unix:${options.daemonSocket}`,
      "--http-host", "127.0.0.1",
      "--http-port", String(options.httpPort),
      "--resync-seconds", "5",
      ...(options.extraArgs ?? []),
    ],
    (l) => l.message === "leading: watching chaos kinds",
  );
}

/**
 * What the manager's end-to-end tests on the api-only cluster share: the generated CRDs applied, a
 * fresh namespace, a SimulatedKubelet for pods with real containers, and a daemon. `daemon` may be
 * replaced by a test that restarts it; `stop()` stops whichever runs and removes everything.
 */
export interface SimulatedGround {
  kubeconfigPath: string;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  ns: { name: string; remove(): Promise<void> };
  kubelet: SimulatedKubelet;
  daemon: AppProcess;
  daemonSocket: string;
  stop(): Promise<void>;
}

export async function startSimulatedGround(namespacePrefix: string): Promise<SimulatedGround> {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  const ns = await createTestNamespace(cluster.kubeConfig, namespacePrefix);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const kubelet = new SimulatedKubelet(core);
  const { daemon, socketPath } = await startTestDaemon();
  const ground: SimulatedGround = {
    kubeconfigPath: cluster.kubeconfigPath,
    core,
    custom: cluster.kubeConfig.makeApiClient(CustomObjectsApi),
    ns,
    kubelet,
    daemon,
    daemonSocket: socketPath,
    async stop() {
      await ground.daemon.stop();
      await kubelet.cleanup();
      await ns.remove();
    },
  };
  return ground;
}

/**
 * What the end-to-end tests on the local cluster's real kubelet share: the cluster in full mode with
 * the generated CRDs, a fresh namespace, and a daemon on the kubelet's own containerd.
 */
export interface KubeletGround {
  cluster: LocalCluster;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  ns: { name: string; remove(): Promise<void> };
  daemon: AppProcess;
  daemonSocket: string;
  stop(): Promise<void>;
}

export async function startKubeletGround(namespacePrefix: string): Promise<KubeletGround> {
  const cluster = await localCluster("full");
  await applyChaosCrds(cluster.kubeConfig);
  const ns = await createTestNamespace(cluster.kubeConfig, namespacePrefix);
  const { daemon, socketPath } = await startTestDaemon(undefined, cluster.containerdSocket);
  return {
    cluster,
    core: cluster.kubeConfig.makeApiClient(CoreV1Api),
    custom: cluster.kubeConfig.makeApiClient(CustomObjectsApi),
    ns,
    daemon,
    daemonSocket: socketPath,
    async stop() {
      await daemon.stop();
      await ns.remove();
    },
  };
}
