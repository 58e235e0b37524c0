// Test support: busybox pods serving "hello from <name>" on :8080 on the local cluster's kubelet,
// and requests between them from inside a pod's network namespace (the NetworkChaos and Workflow
// end-to-end tests).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { eventually } from "@faultline/test-ground";

const run = promisify(execFile);
const server = ["sh", "-c", 'mkdir -p /www && echo "hello from $HOSTNAME" > /www/index.html && exec httpd -f -p 8080 -h /www'];

export class WebPods {
  readonly pods: { [name: string]: V1Pod } = {};

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly containerdSocket: string,
  ) {}

  /** Starts pod `name` (label `app=<app>`, default its name) and waits until it runs with an IP. */
  async start(name: string, app = name): Promise<V1Pod> {
    await this.core.createNamespacedPod({
      namespace: this.namespace,
      body: {
        metadata: { name, labels: { app } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: server }] },
      },
    });
    this.pods[name] = await eventually(`${name} running`, async () => {
      const pod = await this.core.readNamespacedPod({ namespace: this.namespace, name });
      return pod.status?.phase === "Running" && pod.status.podIP && pod.status.containerStatuses?.[0]?.state?.running ? pod : undefined;
    }, 120_000, 500);
    return this.pods[name]!;
  }

  /** The host pid of the pod's container (from the kubelet's containerd). */
  async pidOf(name: string): Promise<number> {
    const id = this.pods[name]!.status!.containerStatuses![0]!.containerID!.replace(/^containerd:\/\//, "");
    const { stdout } = await run("ctr", ["--address", this.containerdSocket, "-n", "k8s.io", "task", "ls"]);
    const line = stdout.split("\n").find((l) => l.startsWith(id));
    if (!line) throw new Error(`no task for ${name} (${id})`);
    return Number(line.split(/\s+/)[1]);
  }

  /** busybox wget (its -T crashes busybox-static here; the exec timeout bounds it) from `from`'s network namespace to `to`'s web server: its answer, or undefined. */
  async wget(from: string, to: string): Promise<string | undefined> {
    const ip = this.pods[to]!.status!.podIP!;
    try {
      const { stdout } = await run("nsenter", ["-t", String(await this.pidOf(from)), "-n", "--", "busybox", "wget", "-q", "-O", "-", `http://${ip}:8080/`], { timeout: 4000, killSignal: "SIGKILL" });
      return stdout.trim();
    } catch {
      return undefined;
    }
  }

  /** Whether `from` gets `to`'s page. */
  async reaches(from: string, to: string): Promise<boolean> {
    return (await this.wget(from, to)) === `hello from ${to}`;
  }
}
