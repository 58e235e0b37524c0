// The Faultline daemon as a function: composition only. Configuration → container runtime client →
// the given chaos kinds' handlers → the gRPC server and the HTTP server for probes and metrics.
// `main.ts` runs it with the built-in kinds; a custom daemon runs it with its own list.
import { existsSync, readFileSync } from "node:fs";
import { defaultFdSwapBinary, defaultIofsBinary } from "@faultline/chaos/io";
import { defaultTimeSkewBinary } from "@faultline/chaos/time";
import { registerDaemonHandlers, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { installLastResortHandlers } from "@faultline/controller";
import { createContainerRuntimeClient, findKubeletRuntimeSockets, type KubeletRuntimeSocket, type RuntimeSocketPaths } from "@faultline/cri-client";
import {
  DaemonHandlerRegistry,
  NamespaceProcessRunner,
  SpawnHelper,
  containerHandlers,
  createDaemonLogger,
  createDaemonServer,
  createRpcMetrics,
  nodeCapabilityHandlers,
  defaultSpawnHelperBinary,
  nodeCapabilityProbeFor,
  registerNodeCapabilityMetrics,
} from "@faultline/daemon-server";
import { createProbeServer } from "@faultline/probe-server";
import { Registry, collectDefaultMetrics } from "prom-client";
import { DaemonConfigError, daemonUsage, parseDaemonConfig, type DaemonConfig } from "./daemon-config.js";

function readTlsFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DaemonConfigError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
}

function checkRuntimeSockets(config: DaemonConfig): { sockets: RuntimeSocketPaths; present: string[]; missing: string[]; fromKubelet?: KubeletRuntimeSocket } {
  const sockets = Object.entries(config.sockets).map(([runtime, path]) => ({ name: `${runtime} (${path})`, exists: existsSync(path) }));
  const present = sockets.filter((s) => s.exists).map((s) => s.name);
  const missing = sockets.filter((s) => !s.exists).map((s) => s.name);
  if (present.length > 0) return { sockets: config.sockets, present, missing };
  // none of the configured paths exists here: ask the node's kubelet which socket it uses
  const kubelets = findKubeletRuntimeSockets(config.kubeletPath === undefined ? {} : { kubeletPath: config.kubeletPath }).filter((k) => existsSync(k.socketPath));
  const candidates = config.nodeName === undefined ? kubelets : kubelets.filter((k) => k.nodeName === config.nodeName || k.nodeName === undefined);
  const describe = (k: KubeletRuntimeSocket) => `kubelet pid ${k.pid}${k.nodeName ? ` (node ${k.nodeName})` : ""}: ${k.endpoint}`;
  if (candidates.length === 1) {
    const kubelet = candidates[0]!;
    return { sockets: { ...config.sockets, [kubelet.runtime]: kubelet.socketPath }, present: [`${kubelet.runtime} (${kubelet.socketPath})`], missing, fromKubelet: kubelet };
  }
  if (candidates.length > 1) {
    throw new DaemonConfigError(
      `no configured container runtime socket exists (${missing.join(", ")}), and several kubelets run here; ` +
        `say which node this daemon serves with --node-name: ${candidates.map(describe).join("; ")}`,
    );
  }
  throw new DaemonConfigError(
    `no container runtime socket found; looked for ${missing.join(", ")}, ` +
      (kubelets.length ? `and no kubelet here serves node ${config.nodeName} (${kubelets.map(describe).join("; ")})` : "and found no kubelet process to ask which socket it uses"),
  );
}

/** What a daemon serves, and where its configuration comes from. */
export interface RunDaemonOptions {
  /** The chaos kinds whose RPCs to serve (beside ContainerKill and ContainerGetPid, always served). */
  kinds: readonly ChaosKindDefinition[];
  /** Command-line arguments, without node and the script; default `process.argv.slice(2)`. */
  argv?: string[];
  /** Environment for the flags' `FAULTLINE_*` fallbacks; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a Faultline daemon in this process until SIGTERM or SIGINT: the same daemon as the
 * `faultline-daemon` binary, serving the given kinds' RPCs. Resolves once it serves (or printed
 * --help); rejects with {@link DaemonConfigError} on bad flags or files.
 *
 * @example
 * await runDaemon({ kinds: [...builtInChaosKinds, myChaos] });
 */
export async function runDaemon(options: RunDaemonOptions): Promise<void> {
  const config = parseDaemonConfig(options.argv ?? process.argv.slice(2), options.env ?? process.env);
  if (config === "help") {
    console.log(daemonUsage);
    return;
  }
  const logger = createDaemonLogger({ level: config.logLevel, format: config.logFormat });
  // an unowned rejection is logged and the daemon serves on; an uncaught exception is logged as
  // fatal and the daemon closes its server (socket removed, calls in flight cut after 1 s) and exits 1
  let server: ReturnType<typeof createDaemonServer> | undefined;
  installLastResortHandlers({ logger, component: "faultline-daemon", beforeExit: () => server?.close(1000) });
  const tls = config.tls && {
    cert: readTlsFile("--tls-cert", config.tls.certFile),
    key: readTlsFile("--tls-key", config.tls.keyFile),
    ca: readTlsFile("--tls-ca", config.tls.caFile),
    clientNames: config.tls.clientNames,
  };
  // processes in containers' namespaces are started by faultline-spawn, whose fork is cheaper
  // than this process's (see --spawn-helper); where it is missing, by Node's child_process
  const spawnHelperBinary = config.spawnHelper ?? defaultSpawnHelperBinary();
  let spawnHelper: SpawnHelper | undefined;
  if (config.spawnHelper === "off") {
    logger.info("processes are started with Node's child_process (--spawn-helper off)");
  } else if (SpawnHelper.usable(spawnHelperBinary)) {
    spawnHelper = new SpawnHelper({ binary: spawnHelperBinary, logger: logger.child({ logger: "spawn-helper" }) });
    logger.info("processes are started by faultline-spawn", { binary: spawnHelperBinary });
  } else if (config.spawnHelper !== undefined) {
    throw new DaemonConfigError(`--spawn-helper ${config.spawnHelper} is not an executable file`);
  } else {
    logger.warn("faultline-spawn not found beside the daemon; processes are started with Node's child_process", { looked: spawnHelperBinary });
  }
  const sockets = checkRuntimeSockets(config);
  if (sockets.fromKubelet) {
    logger.info("no configured container runtime socket exists; using the one the node's kubelet uses", {
      kubeletPid: sockets.fromKubelet.pid,
      endpoint: sockets.fromKubelet.endpoint,
      socket: sockets.fromKubelet.socketPath,
    });
  } else {
    for (const missing of sockets.missing) logger.warn("container runtime socket not found; its containers cannot be targeted", { runtime: missing });
  }

  const warmLog = logger.child({ logger: "pid-cache" });
  let warmErrors = ""; // a failing runtime is reported when its error changes, not every pass
  const runtime = createContainerRuntimeClient({
    sockets: sockets.sockets,
    warmPidCacheEveryMs: config.pidCacheWarmMs,
    onPidCacheWarmed: (pass) => {
      const errors = pass.errors.join("; ");
      if (errors !== warmErrors && errors !== "") warmLog.warn("pid cache warm-up could not list a runtime; tried again every pass", { errors: pass.errors });
      warmErrors = errors;
      if (pass.lookedUp > 0) warmLog.debug("pid cache warmed", { running: pass.listed, lookedUp: pass.lookedUp });
    },
  });
  const runner = new NamespaceProcessRunner({
    nsenterPath: config.nsenterPath,
    timeoutMs: config.execTimeoutMs,
    logger: logger.child({ logger: "background-process-manager" }),
    ...(spawnHelper && { spawner: spawnHelper }),
  });

  // the node's one capability probe, made before the kinds' handlers ask for it (the first call
  // makes it), told where TimeChaos's and IOChaos's native helpers are by the wrappers' own rule:
  // $FAULTLINE_TIME_SKEW_BIN / $FAULTLINE_IOFS_BIN / $FAULTLINE_FD_SWAP_BIN, else beside
  // @faultline/chaos's time and io modules (what the image ships)
  nodeCapabilityProbeFor(runner, {
    timeSkewHelper: process.env["FAULTLINE_TIME_SKEW_BIN"] ?? defaultTimeSkewBinary(),
    iofsHelper: process.env["FAULTLINE_IOFS_BIN"] ?? defaultIofsBinary(),
    fdSwapHelper: process.env["FAULTLINE_FD_SWAP_BIN"] ?? defaultFdSwapBinary(),
  });
  const handlers = registerDaemonHandlers(
    options.kinds,
    { runtime, runner, injectionLeaseSeconds: config.injectionLeaseSeconds },
    new DaemonHandlerRegistry()
      .register("container", containerHandlers({ runtime }))
      .register("node", nodeCapabilityHandlers(nodeCapabilityProbeFor(runner))),
  );

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  registerNodeCapabilityMetrics(metrics, nodeCapabilityProbeFor(runner));
  let serving = false;
  try {
    server = createDaemonServer({ handlers, logger, interceptors: [createRpcMetrics(metrics).interceptor], tls });
  } catch (err) {
    throw new DaemonConfigError(`invalid TLS certificate or key: ${(err as Error).message}`);
  }
  const ops = createProbeServer({ metrics, healthy: () => serving, ready: () => serving });

  // handlers first: a SIGTERM that arrives right after the "serving" line must not kill us
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    serving = false;
    logger.info("shutting down: finishing calls in flight", { signal });
    await server.close(10_000);
    await ops.close();
    await spawnHelper?.close();
    runtime.close();
    logger.info("stopped");
    logger.on("finish", () => process.exit(0));
    logger.end();
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  const grpcAddress = await server.listen(config.grpc);
  const httpPort = await ops.listen(config.http.port, config.http.host);
  serving = true;
  logger.info("faultline daemon serving", {
    grpc: grpcAddress,
    http: httpPort,
    mutualTls: tls !== undefined,
    ...(tls !== undefined && { tlsClientNames: tls.clientNames }),
    runtimes: sockets.present,
    rpcs: handlers.registered().map((r) => r.method),
  });

}

/**
 * {@link runDaemon} as a process's entry point: a configuration error exits 2, any other startup
 * failure exits 1, each with one line on stderr.
 *
 * @example
 * // a custom daemon image's main.js
 * runDaemonProcess({ kinds: [...builtInChaosKinds, myChaos] });
 */
export function runDaemonProcess(options: RunDaemonOptions): void {
  runDaemon(options).catch((err: Error) => {
    console.error(`faultline-daemon: ${err instanceof DaemonConfigError ? "" : "startup failed: "}${err.message}`);
    process.exit(err instanceof DaemonConfigError ? 2 : 1);
  });
}
