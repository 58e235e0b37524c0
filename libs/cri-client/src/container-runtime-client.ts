import { parseContainerId, type ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { createCriBackend } from "./cri-backend.js";
import { createDockerEngineBackend } from "./docker-engine-backend.js";
import { InitProcessCache } from "./init-process-cache.js";
import { warmPidCache, type PidCacheWarmPass } from "./pid-cache-warmer.js";
import { killContainers, type ContainerKillReport, type ContainerKillTimings, type KillTarget } from "./kill-containers.js";
import { defaultRuntimeSocketPaths, type RuntimeSocketPaths } from "./runtime-socket-paths.js";

/** Options for `createContainerRuntimeClient`. */
export interface ContainerRuntimeClientOptions {
  /** Socket paths to use instead of `defaultRuntimeSocketPaths`, per runtime. */
  sockets?: Partial<RuntimeSocketPaths>;
  /** Deadline for each call to a runtime, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /**
   * Answer repeated `getPid` calls from memory while the container's init process is provably the
   * same live process (same pid and start time in `/proc`, not a zombie). Default true; has no
   * effect where the host's /proc is not visible.
   */
  cachePids?: boolean;
  /**
   * Keep the pid cache warm: every this many milliseconds, list the running containers of the
   * CRI runtimes whose sockets exist and look up the init pid of each one not cached yet, so that
   * a later lookup or kill needs no runtime round trip. Off (undefined or 0) by default; the first
   * pass runs at once. Needs `cachePids`. `close()` stops it.
   */
  warmPidCacheEveryMs?: number;
  /** Called after each warm-up pass with what it did (for a log line or a metric). */
  onPidCacheWarmed?: (pass: PidCacheWarmPass) => void;
}

/**
 * Finds and kills containers by their Kubernetes container id, whatever the runtime.
 *
 * Every method validates the id with `parseContainerId` before any I/O, and fails with a
 * `ContainerRuntimeError` subclass for the expected failures (bad id, unknown runtime, no such
 * container, container not running, runtime unreachable). Other runtime failures are thrown as
 * they came. When the caller's `signal` aborts, the call rejects with `signal.reason`.
 */
export interface ContainerRuntimeClient {
  /** Host pid of the container's init process; validates the id first (no I/O on a bad id). */
  getPid(containerId: string, options?: { signal?: AbortSignal }): Promise<number>;
  /**
   * Kills the container (SIGKILL now) and answers once its init process is dead (or, after
   * `killDeadlineMs`, still exiting), with where the time went; NotFound / NotRunning as typed errors.
   */
  kill(containerId: string, options?: { signal?: AbortSignal }): Promise<ContainerKillTimings & { stillExiting: boolean }>;
  /**
   * Kills many containers as one act: every init process found first, then all sent SIGKILL at
   * once, answered once all are dead. One outcome per id, in the order given, each with its own
   * error (a bad id, NotFound, NotRunning…) where that container was not killed.
   */
  killMany(containerIds: readonly string[], options?: { signal?: AbortSignal }): Promise<ContainerKillReport>;
  /** Stops the pid cache's warm-up and closes every runtime connection. A later call opens what it needs again. */
  close(): void;
}

const defaultTimeoutMs = 10_000;

/**
 * Creates a client that routes each container id by its prefix: `containerd://` and `cri-o://`
 * to the CRI v1 `RuntimeService` on that runtime's socket, `docker://` to the Docker Engine API.
 * Connections are opened on first use, one per socket, and reused.
 *
 * @example
 * const runtime = createContainerRuntimeClient({ sockets: { containerd: "/host/run/containerd/containerd.sock" } });
 * const pid = await runtime.getPid(pod.status.containerStatuses[0].containerID);
 */
export function createContainerRuntimeClient(options: ContainerRuntimeClientOptions = {}): ContainerRuntimeClient {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const sockets: RuntimeSocketPaths = { ...defaultRuntimeSocketPaths };
  for (const key of ["containerd", "crio", "docker"] as const) {
    const path = options.sockets?.[key];
    if (path !== undefined) sockets[key] = path;
  }
  const backends = new Map<string, ContainerRuntimeBackend>();
  const pids = options.cachePids === false ? undefined : new InitProcessCache();

  function backendFor(ref: Pick<ContainerRef, "runtime">): ContainerRuntimeBackend {
    const [protocol, socketPath] =
      ref.runtime === "docker"
        ? (["docker", sockets.docker] as const)
        : (["cri", ref.runtime === "containerd" ? sockets.containerd : sockets.crio] as const);
    const key = `${protocol}:${socketPath}`;
    let backend = backends.get(key);
    if (backend === undefined) {
      backend =
        protocol === "docker" ? createDockerEngineBackend(socketPath, timeoutMs) : createCriBackend(socketPath, timeoutMs);
      backends.set(key, backend);
    }
    return backend;
  }

  const warmEveryMs = options.warmPidCacheEveryMs ?? 0;
  if (!Number.isFinite(warmEveryMs) || warmEveryMs < 0) {
    throw new RangeError(`warmPidCacheEveryMs must be 0 (off) or a positive number of milliseconds, got ${warmEveryMs}`);
  }
  const warming = new AbortController();
  if (pids !== undefined && warmEveryMs > 0) {
    const runtimes = [
      { prefix: "containerd" as const, socketPath: sockets.containerd, backend: () => backendFor({ runtime: "containerd" }) },
      { prefix: "cri-o" as const, socketPath: sockets.crio, backend: () => backendFor({ runtime: "cri-o" }) },
    ];
    const pass = () => {
      if (warming.signal.aborted) return;
      void warmPidCache(runtimes, pids, warming.signal).then((done) => {
        if (warming.signal.aborted) return;
        options.onPidCacheWarmed?.(done);
        setTimeout(pass, warmEveryMs).unref();
      });
    };
    pass();
  }

  return {
    async getPid(containerId, callOptions) {
      const ref = parseContainerId(containerId);
      const cached = pids?.get(ref.raw);
      if (cached !== undefined) return cached;
      const pid = await backendFor(ref).getPid(ref, callOptions?.signal);
      pids?.remember(ref.raw, pid);
      return pid;
    },
    async kill(containerId, callOptions) {
      const ref = parseContainerId(containerId);
      const { outcomes, timings } = await killContainers([{ containerId, ref, backend: backendFor(ref) }], pids, callOptions?.signal);
      if (outcomes[0]!.error !== undefined) throw outcomes[0]!.error;
      return { ...timings, stillExiting: outcomes[0]!.stillExiting === true };
    },
    killMany(containerIds, callOptions) {
      const targets = containerIds.map((containerId): KillTarget => {
        try {
          const ref = parseContainerId(containerId);
          return { containerId, ref, backend: backendFor(ref) };
        } catch (error) {
          return { containerId, error };
        }
      });
      return killContainers(targets, pids, callOptions?.signal);
    },
    close() {
      warming.abort();
      for (const backend of backends.values()) backend.close();
      backends.clear();
    },
  };
}
