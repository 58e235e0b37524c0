// The Faultline manager as a function: composition only. Configuration → Kubernetes clients → the
// given chaos kinds → the records pipeline → a work queue fed by one watch per kind, run while
// leading. `main.ts` runs it with the built-in kinds; a custom manager runs it with its own list.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ChaosStatus } from "@faultline/api";
import { createChaosKindRegistry, type ChaosKindDefinition } from "@faultline/chaos-kind";
import {
  ControllerRunner,
  createKubernetesEventRecorder,
  LeaderElector,
  ResilientWatch,
  SharedConnectionKubeConfig,
  deploymentOwnerReference,
  TokenBucket,
  WorkQueue,
  installLastResortHandlers,
  makeRateLimitedApiClient,
  objectKeyString,
  type ManagedController,
  type ObjectKey,
} from "@faultline/controller";
import { createChaosKindMetrics, resourceOf, type ChaosObject } from "@faultline/impl-registry";
import {
  createDaemonClientPool,
  createEndpointSliceDaemonLocator,
  createRecordDecoder,
  createStaticDaemonLocator,
} from "@faultline/daemon-client";
import {
  createKubernetesChaosObjectClient,
  createKubernetesRecordShardClient,
  createShardedChaosObjectClient,
  createInjectionSweeper,
  createRecordsReconciler,
  createTargetSelector,
  registerExperimentGauge,
} from "@faultline/records";
import { createProbeServer } from "@faultline/probe-server";
import { createCachedPodSource, createKubernetesPodSource, slimPod } from "@faultline/selector";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { Registry, collectDefaultMetrics } from "prom-client";
import winston from "winston";
import { builtInControllers, type ManagerControllerDeps } from "./built-in-controllers.js";
import { ManagerConfigError, managerUsage, parseManagerConfig, type ManagerConfig } from "./manager-config.js";

function createLogger(config: ManagerConfig): winston.Logger {
  const text = winston.format.printf(({ level, message, timestamp, ...fields }) => {
    const rest = Object.keys(fields).length > 0 ? `\t${JSON.stringify(fields)}` : "";
    return `${String(timestamp)}\t${level.toUpperCase()}\t${String(message)}${rest}`;
  });
  return winston.createLogger({
    level: config.logLevel,
    format: winston.format.combine(winston.format.timestamp(), config.logFormat === "json" ? winston.format.json() : text),
    transports: [new winston.transports.Console()],
  });
}

function loadKubeConfig(config: ManagerConfig): KubeConfig {
  // one connection pool for every client and watch, not client-node's new TLS connection per request
  const kubeConfig = new SharedConnectionKubeConfig();
  try {
    if (config.kubeconfig !== undefined) kubeConfig.loadFromFile(config.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new ManagerConfigError(`cannot load kubeconfig ${config.kubeconfig ?? "(default)"}: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new ManagerConfigError("no Kubernetes cluster configured: pass --kubeconfig or run in a pod");
  return kubeConfig;
}

function readTls(config: ManagerConfig) {
  if (!config.tls) return undefined;
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ManagerConfigError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read("--tls-cert", config.tls.certFile), key: read("--tls-key", config.tls.keyFile), ca: read("--tls-ca", config.tls.caFile) };
}

/**
 * The retry backoff of a failed reconcile: 5 ms doubling to at most 30 s (client-go's goes to
 * 1000 s). A reconcile that fails as the API server comes back (its request was sent to the one
 * going away) is retried within 30 s, not minutes later; a spec error is not retried on a timer
 * at all (it waits for the object's next generation).
 */
const reconcileBackoff = { baseMs: 5, maxMs: 30_000 };

/** What a manager serves, and where its configuration comes from. */
export interface RunManagerOptions {
  /** The chaos kinds to serve: `builtInChaosKinds` from `@faultline/chaos`, plus a team's own. */
  kinds: readonly ChaosKindDefinition[];
  /** Command-line arguments, without node and the script; default `process.argv.slice(2)`. */
  argv?: string[];
  /** Environment for the flags' `FAULTLINE_*` fallbacks; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * The controllers run besides the chaos kinds' records pipeline, over the same `kinds`; default
   * `builtInControllers` (Schedule, Workflow and WorkflowNode, StatusCheck).
   */
  controllers?: (deps: ManagerControllerDeps) => readonly ManagedController[];
}

/**
 * Runs a Faultline manager in this process until SIGTERM or SIGINT: the same manager as the
 * `faultline-manager` binary, serving the given kinds. Resolves once it serves (or printed --help);
 * rejects with {@link ManagerConfigError} on bad flags. For a process entry point, use
 * {@link runManagerProcess}, which turns errors into exit codes.
 *
 * @example
 * await runManager({ kinds: [...builtInChaosKinds, myChaos] });
 */
export async function runManager(options: RunManagerOptions): Promise<void> {
  const config = parseManagerConfig(options.argv ?? process.argv.slice(2), options.env ?? process.env);
  if (config === "help") {
    console.log(managerUsage);
    return;
  }
  const logger = createLogger(config);
  installLastResortHandlers({ logger, component: "faultline-manager" });
  const kubeConfig = loadKubeConfig(config);
  const tls = readTls(config);
  const identity = `${hostname()}_${process.pid}`;
  const bucket = new TokenBucket({ qps: config.qps, burst: config.burst });
  const metrics = new Registry();
  const api = <T>(apiClass: new (...args: never[]) => T) => makeRateLimitedApiClient(kubeConfig, apiClass as never, bucket, { registry: metrics }) as T;
  const core = api(CoreV1Api);
  collectDefaultMetrics({ register: metrics });

  const locator = config.daemonAddress
    ? createStaticDaemonLocator(config.daemonAddress)
    : createEndpointSliceDaemonLocator({ discovery: api(DiscoveryV1Api), namespace: config.namespace, serviceName: config.daemonService });
  const daemons = createDaemonClientPool({ locator, ...(tls && { tls }) });
  // one watch of every pod, trimmed to what selection and decoders read: selecting and decoding a
  // record cost no API call (a pod the watch has not seen yet is read from the API server)
  const podWatch = new ResilientWatch<V1Pod>({
    kubeConfig,
    group: "",
    version: "v1",
    plural: "pods",
    transform: slimPod,
    pageSize: 100, // a page of whole pods is garbage once trimmed: small pages keep the first list's peak low
    resyncPeriodMs: 0, // nothing is queued per pod: a resync would have nobody to tell
    rateLimiter: bucket,
    registry: metrics,
    logger,
    handler: () => undefined,
    onRecovered: () => queue.retryFailedNow(),
  });
  const podsNow = createKubernetesPodSource(core);
  const pods = createCachedPodSource(podWatch, podsNow);
  const decoder = createRecordDecoder({ pods, daemons });
  const kindMetrics = createChaosKindMetrics(metrics);
  const log = (message: string, fields: { [key: string]: unknown }) => logger.info(message, fields);
  const customObjects = api(CustomObjectsApi);
  const events = createKubernetesEventRecorder(core, { component: "faultline-manager", instance: identity, logger });
  const event = (obj: ChaosObject, type: "Normal" | "Warning", reason: string, message: string) => events.record(obj, { type, reason, message });
  // kinds read a pod to patch it (pod-failure): the pod as it is now, never the watch's copy, which
  // may not have seen the kind's own last patch yet
  const kinds = createChaosKindRegistry(options.kinds, { decoder, pods: podsNow, core, log, settings: config.kindSettings, customObjects, event }, (kind) =>
    kindMetrics.instrument(kind),
  );

  const shutdown = new AbortController();
  // experiments with more records than a status holds keep them in RecordShard objects
  const objects = createShardedChaosObjectClient(createKubernetesChaosObjectClient(customObjects), createKubernetesRecordShardClient(customObjects));
  const reconciler = createRecordsReconciler({
    kinds,
    objects,
    selector: createTargetSelector(pods, { namespaceFilter: config.namespaceFilter, protectedNamespaces: config.protectedNamespaces }),
    events,
    parallelism: config.parallelism,
    signal: shutdown.signal,
  });
  type Key = ObjectKey & { kind: string };
  const queue = new WorkQueue<Key>({
    name: "experiments",
    workers: config.workers,
    backoff: reconcileBackoff,
    keyString: (k) => `${k.kind}/${objectKeyString(k)}`,
    registry: metrics,
    logger,
    reconcile: async (key) => {
      const result = await reconciler.reconcile({ kind: key.kind, namespace: key.namespace ?? "", name: key.name });
      return result.requeueAfterMs === undefined ? {} : { requeueAfterMs: result.requeueAfterMs };
    },
  });
  const watches = kinds.list().map(
    (kind) =>
      new ResilientWatch({
        kubeConfig,
        ...resourceOf(kind),
        resyncPeriodMs: config.resyncSeconds * 1000,
        rateLimiter: bucket,
        registry: metrics,
        logger,
        handler: (event) => queue.add({ ...event.key, kind: kind.kind }),
        onRecovered: () => queue.retryFailedNow(),
      }),
  );
  // Schedule, Workflow, StatusCheck: their own queues and watches (and a watch of each kind, for
  // the children they own), started and stopped with the records pipeline's
  const controllers = new ControllerRunner({
    kubeConfig,
    controllers: (options.controllers ?? builtInControllers)({ customObjects, core, events, logger, kinds: options.kinds, statusCheckRefusedDestinations: config.statusCheckRefusedDestinations }),
    workers: config.workers,
    backoff: reconcileBackoff,
    rateLimiter: bucket,
    resyncPeriodMs: config.resyncSeconds * 1000,
    registry: metrics,
    logger,
  });
  registerExperimentGauge(metrics, function* () {
    for (const [i, watch] of watches.entries()) {
      for (const obj of watch.list()) yield { kind: kinds.list()[i]!.kind, status: (obj as { status?: ChaosStatus }).status };
    }
  });

  // injections whose experiment went without recovering them (a finalizer removed by hand): found
  // from their markers and recovered, on start and every --sweep-interval-seconds, by the leader
  const sweeper = createInjectionSweeper({
    kinds,
    objects,
    async listObjects(resource) {
      return ((await customObjects.listClusterCustomObject(resource)) as { items: ChaosObject[] }).items;
    },
    listPods: async () => (podWatch.hasSynced ? podWatch.list() : (await core.listPodForAllNamespaces()).items),
    daemons,
    events,
    registry: metrics,
    log: (level, message, fields) => logger.log(level, message, fields),
  });

  let leading = false;
  const probes = createProbeServer({
    metrics,
    healthy: () => true,
    // ready once started; a leader only once its watches have listed everything
    ready: () => !leading || (watches.every((w) => w.hasSynced) && podWatch.hasSynced && controllers.hasSynced),
  });
  const lead = async (signal: AbortSignal) => {
    leading = true;
    queue.start();
    await Promise.all([...watches.map((w) => w.start()), podWatch.start(), controllers.start()]);
    logger.info("leading: watching chaos kinds", { kinds: kinds.list().map((k) => k.kind), identity });
    void sweeper.run(AbortSignal.any([signal, shutdown.signal]), config.sweepIntervalSeconds * 1000);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  };
  const elector = config.leaderElect
    ? new LeaderElector({
        kubeConfig,
        leaseNamespace: config.namespace,
        leaseName: config.leaseName,
        ...(config.leaseOwnerDeployment !== undefined && {
          leaseOwner: () => deploymentOwnerReference(api(AppsV1Api), config.namespace, config.leaseOwnerDeployment!),
        }),
        identity,
        rateLimiter: bucket,
        logger,
        onStartedLeading: (signal) => void lead(signal),
        onStoppedLeading: () => {
          // another replica leads from now on; this one must not act on stale state
          if (!shutdown.signal.aborted) {
            logger.error("lost leadership: exiting so that a fresh start re-elects");
            process.exit(1);
          }
        },
      })
    : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // a shutdown that hangs (a request that never ends) must not keep the process: Kubernetes would
    // only SIGKILL it after the grace period, and a local run would never end
    setTimeout(() => {
      logger.error("shutdown did not finish within 30 s: exiting", { signal });
      process.exit(1);
    }, 30_000).unref();
    shutdown.abort();
    await Promise.all([...watches.map((w) => w.stop()), podWatch.stop()]);
    await Promise.all([queue.shutdown({ graceMs: 10_000 }), controllers.stop({ graceMs: 10_000 })]);
    await elector?.stop();
    daemons.close();
    await probes.close();
    logger.info("stopped");
    logger.on("finish", () => process.exit(0));
    logger.end();
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  const port = await probes.listen(config.httpPort, config.httpHost);
  logger.info("faultline manager started", { http: port, identity, leaderElection: config.leaderElect, namespace: config.namespace });
  if (elector) void elector.run();
  else void lead(shutdown.signal);
}

/**
 * {@link runManager} as a process's entry point: a configuration error exits 2, any other
 * startup failure exits 1, each with one line on stderr.
 *
 * @example
 * // a custom manager image's main.js
 * runManagerProcess({ kinds: [...builtInChaosKinds, myChaos] });
 */
export function runManagerProcess(options: RunManagerOptions): void {
  runManager(options).catch((err: Error) => {
    console.error(`faultline-manager: ${err instanceof ManagerConfigError ? "" : "startup failed: "}${err.message}`);
    process.exit(err instanceof ManagerConfigError ? 2 : 1);
  });
}
