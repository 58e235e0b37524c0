import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { NamespaceMode, RuntimeService } from "@faultline/api/cri";
import { defaultTestContainerdSocket } from "./default-test-containerd-socket.js";
import { requireRealParts } from "./test-tier.js";

/** Options for `CriPodFixture.startContainer`. */
export interface StartContainerOptions {
  /** Base of the pod and container names; a random suffix is appended. Default "faultline-test". */
  name?: string;
  /** The container's command. Default `["sleep", "3600"]`. */
  command?: string[];
  /** An image already present in the runtime. Default `docker.io/library/busybox:latest`. */
  image?: string;
  /** The pod's Kubernetes namespace (sandbox metadata). Default "default". */
  podNamespace?: string;
  /** Labels for the sandbox and the container, besides the fixture's own. */
  labels?: Record<string, string>;
}

/** A container started by `CriPodFixture.startContainer`. */
export interface StartedContainer {
  /** The CRI pod sandbox id. */
  sandboxId: string;
  /** The Kubernetes-style container id, for example `containerd://<64 hex>`. */
  containerId: string;
  /** Host pid of the container's init process. */
  pid: number;
}

const defaultImage = "docker.io/library/busybox:latest";
const callTimeoutMs = 60_000;
/** Every sandbox the fixture creates carries this label, so leftovers are easy to find. */
const fixtureLabel = "faultline.dev/test-fixture";

/**
 * Starts real pods through a CRI runtime for integration tests, the way a kubelet would:
 * one sandbox per container, on the host network (empty hostname, as host-network pods must
 * send), with the container in its own pid namespace (Kubernetes' default). Names get a random
 * suffix, so test files running in parallel never collide. Call `removeAll()` in `afterAll`.
 *
 * @example
 * const pods = new CriPodFixture();
 * afterAll(async () => { await pods.removeAll(); pods.close(); });
 * const { containerId, pid } = await pods.startContainer({ name: "target" });
 */
export class CriPodFixture {
  /** The runtime's CRI socket. */
  readonly socketPath: string;
  readonly #cri: Client<typeof RuntimeService>;
  readonly #closeTransport: () => void;
  /** sandbox id → its log directory */
  readonly #sandboxes = new Map<string, string>();
  #idPrefix: Promise<string> | undefined;

  /** @param socketPath the runtime's CRI socket; default `defaultTestContainerdSocket()` */
  constructor(socketPath: string = defaultTestContainerdSocket()) {
    this.socketPath = socketPath;
    const { client, close } = connectCriRuntime(socketPath);
    this.#cri = client;
    this.#closeTransport = close;
  }

  /**
   * RunPodSandbox + CreateContainer + StartContainer, then reads the container's host pid.
   * Pod logs go to `podlogs/<pod name>/` beside the socket.
   */
  async startContainer(options: StartContainerOptions = {}): Promise<StartedContainer> {
    requireRealParts(`the container runtime at ${this.socketPath}`);
    const name = `${options.name ?? "faultline-test"}-${randomBytes(4).toString("hex")}`;
    const logDirectory = join(dirname(this.socketPath), "podlogs", name);
    await mkdir(logDirectory, { recursive: true });
    const labels = { ...options.labels, [fixtureLabel]: "cri-pod-fixture" };
    const namespaceOptions = { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD };
    const sandboxConfig = {
      metadata: { name, uid: randomUUID(), namespace: options.podNamespace ?? "default", attempt: 0 },
      hostname: "",
      logDirectory,
      labels,
      linux: { securityContext: { namespaceOptions } },
    };
    const timeoutMs = callTimeoutMs;
    const { podSandboxId } = await this.#cri.runPodSandbox({ config: sandboxConfig }, { timeoutMs });
    this.#sandboxes.set(podSandboxId, logDirectory);
    const { containerId } = await this.#cri.createContainer(
      {
        podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: options.image ?? defaultImage },
          command: options.command ?? ["sleep", "3600"],
          logPath: "container.log",
          labels,
          linux: { securityContext: { namespaceOptions } },
        },
      },
      { timeoutMs },
    );
    await this.#cri.startContainer({ containerId }, { timeoutMs });
    const status = await this.#cri.containerStatus({ containerId, verbose: true }, { timeoutMs });
    const pid = pidFromVerboseInfo(status.info);
    if (pid === undefined) {
      throw new Error(`container ${containerId} in sandbox ${podSandboxId} started but reports no pid (has it exited already?)`);
    }
    await commandStarted(pid);
    return { sandboxId: podSandboxId, containerId: `${await this.#containerIdPrefix()}${containerId}`, pid };
  }

  /** StopContainer with timeout 0 (SIGKILL), leaving an exited container behind. Takes a prefixed or bare id. */
  async stopContainer(containerId: string): Promise<void> {
    const bareId = containerId.includes("://") ? containerId.slice(containerId.indexOf("://") + 3) : containerId;
    await this.#cri.stopContainer({ containerId: bareId, timeout: 0n }, { timeoutMs: callTimeoutMs });
  }

  /** Stops and removes every sandbox (with its containers) this fixture created, and their log directories. */
  async removeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const [podSandboxId, logDirectory] of this.#sandboxes) {
      try {
        await ignoreNotFound(this.#cri.stopPodSandbox({ podSandboxId }, { timeoutMs: callTimeoutMs }));
        await ignoreNotFound(this.#cri.removePodSandbox({ podSandboxId }, { timeoutMs: callTimeoutMs }));
        await rm(logDirectory, { recursive: true, force: true });
        this.#sandboxes.delete(podSandboxId);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, `could not remove ${failures.length} sandbox(es) through ${this.socketPath}`);
    }
  }

  /** Closes the connection to the runtime. */
  close(): void {
    this.#closeTransport();
  }

  /** `containerd://` or `cri-o://`, from the runtime's own name (CRI Version). */
  #containerIdPrefix(): Promise<string> {
    this.#idPrefix ??= this.#cri
      .version({ version: "v1" }, { timeoutMs: callTimeoutMs })
      .then(({ runtimeName }) => `${runtimeName === "cri-o" ? "cri-o" : "containerd"}://`)
      .catch((error: unknown) => {
        this.#idPrefix = undefined;
        throw error;
      });
    return this.#idPrefix;
  }
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (ConnectError.from(error).code !== Code.NotFound) throw error;
  }
}

/**
 * The CRI v1 RuntimeService client of a runtime's unix socket, and the means to close its HTTP/2
 * connection. The fixture speaks CRI by itself, not through @faultline/cri-client, so the library
 * it helps test is not also the tool that sets its tests up.
 */
export function connectCriRuntime(socketPath: string): { client: Client<typeof RuntimeService>; close(): void } {
  const baseUrl = "http://localhost";
  const sessionManager = new Http2SessionManager(baseUrl, {}, { createConnection: () => net.connect(socketPath) });
  return { client: createClient(RuntimeService, createGrpcTransport({ baseUrl, sessionManager })), close: () => sessionManager.abort() };
}

/** The init pid in a verbose ContainerStatus's `info` JSON (containerd and CRI-O put it there). */
function pidFromVerboseInfo(info: Readonly<Record<string, string>>): number | undefined {
  try {
    const pid = (JSON.parse(info["info"] ?? "null") as { pid?: unknown } | null)?.pid;
    return typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * StartContainer returns once runc has told the container's init to run the command; the exec
 * itself can come a moment later (a loaded machine shows `runc:[2:INIT]` as the container's pid 1
 * for a while). Waits, up to 10 s, until the init has become the container's command, so a caller
 * sees the container's own process; a process that exited is left to the caller to find.
 */
async function commandStarted(pid: number): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    let comm: string;
    try {
      comm = (await readFile(`/proc/${pid}/comm`, "utf8")).trim();
    } catch {
      return;
    }
    if (comm !== "runc:[2:INIT]") return;
    if (Date.now() > end) throw new Error(`the container's process ${pid} is still runc's init after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
