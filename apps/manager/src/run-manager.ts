// The Faultline manager as a function: wiring only. Configuration → Kubernetes clients → the given
// chaos kinds → one ControllerRunner running the records pipeline (a controller per kind) beside
// Schedule, Workflow and StatusCheck over shared caches, while leading. `main.ts` runs it with the
// built-in kinds; a custom manager runs it with its own list.
import { hostname } from "node:os";
import type { ChaosStatus } from "@faultline/api";
import { createChaosKindRegistry, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { ControllerRunner, createKubernetesEventRecorder, InformerSet, installLastResortHandlers, type ManagedController } from "@faultline/controller";
import { createChaosKindMetrics } from "@faultline/impl-registry";
import { createProbeServer } from "@faultline/probe-server";
import {
  createKubernetesChaosObjectClient,
  createKubernetesRecordShardClient,
  createRecordsControllers,
  createShardedChaosObjectClient,
  createTargetSelector,
  managerNeeds,
  registerExperimentGauge,
} from "@faultline/records";
import { createCachedPodSource, createKubernetesPodSource, slimPod } from "@faultline/selector";
import { AuthorizationV1Api, DiscoveryV1Api, type V1Pod } from "@kubernetes/client-node";
import { Registry, collectDefaultMetrics } from "prom-client";
import { builtInControllers, type ManagerControllerDeps } from "./built-in-controllers.js";
import { createManagerClients, killSwitchRateSetter } from "./manager-clients.js";
import { ManagerConfigError, managerUsage, parseManagerConfig } from "./manager-config.js";
import { createManagerDaemons } from "./manager-daemons.js";
import { createManagerKillSwitch, requeueAll } from "./manager-kill-switch.js";
import { createManagerKindDeps } from "./manager-kind-deps.js";
import { loadManagerKubeConfig } from "./manager-kube-config.js";
import { createManagerLeadership } from "./manager-leadership.js";
import { createManagerLogger } from "./manager-logger.js";
import { exitOnSignals } from "./manager-shutdown.js";
import { createManagerStatus, managerVersion } from "./manager-status.js";
import { createManagerSweeper } from "./manager-sweeper.js";

/**
 * The retry backoff of a failed reconcile: 5 ms doubling to at most 30 s (client-go's goes to
 * 1000 s). A reconcile that fails as the API server comes back (its request was sent to the one
 * going away) is retried within 30 s, not minutes later; a spec error is not retried on a timer
 * at all (it waits for the object's next generation).
 */
const reconcileBackoff = { baseMs: 5, maxMs: 30_000 };

const podsResource = { group: "", version: "v1", plural: "pods" };

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
  const logger = createManagerLogger(config);
  installLastResortHandlers({ logger, component: "faultline-manager" });
  const kubeConfig = loadManagerKubeConfig(config);
  const identity = `${hostname()}_${process.pid}`;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const clients = createManagerClients(kubeConfig, config, metrics);
  const { bucket, core, customObjects } = clients;
  const daemons = createManagerDaemons(config, clients);
  const shutdown = new AbortController();

  // the process's caches, one watch per resource: every kind (the records pipeline's and the
  // controllers' children) and every pod, trimmed to what selection and decoders read (a small page
  // keeps the first list's peak low; nothing is queued per pod, so no resync)
  const informers = new InformerSet({ kubeConfig, resyncPeriodMs: config.resyncSeconds * 1000, rateLimiter: bucket, registry: metrics, logger });
  const podCache = informers.informer<V1Pod>(podsResource, { transform: slimPod, pageSize: 100, resyncPeriodMs: 0 });
  const podsNow = createKubernetesPodSource(core);
  const pods = createCachedPodSource(podCache, podsNow);
  const events = createKubernetesEventRecorder(core, { component: "faultline-manager", instance: identity, logger });
  const kindMetrics = createChaosKindMetrics(metrics);
  const kindDeps = createManagerKindDeps({ kinds: options.kinds, informers, podCache, pods, podsNow, daemons, core, customObjects, settings: config.kindSettings, logger, events });
  const kinds = createChaosKindRegistry(options.kinds, kindDeps, (kind) => kindMetrics.instrument(kind));
  // experiments with more records than a status holds keep them in RecordShard objects
  const objects = createShardedChaosObjectClient(createKubernetesChaosObjectClient(customObjects), createKubernetesRecordShardClient(customObjects));
  const selector = createTargetSelector(pods, {
    namespaceFilter: config.namespaceFilter,
    protectedNamespaces: config.protectedNamespaces,
    blastRadius: { maxRecords: config.maxRecords, maxNamespacePercent: config.maxNamespacePercent },
  });
  // the cluster-wide kill switch: every controller reads it, and none reconciles before its cache has listed
  // while it is engaged and records are still injected, the shared client budget is the emergency's
  // (--kill-switch-qps / --kill-switch-burst), then --qps / --burst again
  const killSwitch = createManagerKillSwitch({ informers, customObjects, kinds: () => kinds.list(), logger, onRecovering: killSwitchRateSetter(bucket, config, logger) });
  const recordsControllers = createRecordsControllers({ kinds, objects, selector, events, parallelism: config.parallelism, signal: shutdown.signal, killSwitch: killSwitch.state });
  const controllerDeps = { customObjects, core, events, logger, kinds: options.kinds, statusCheckRefusedDestinations: config.statusCheckRefusedDestinations, killSwitch: killSwitch.state };
  const controllers = killSwitch.gate([...recordsControllers, ...(options.controllers ?? builtInControllers)(controllerDeps)]);
  // one runner, one queue type and one reconcile contract for every controller; started while leading
  const runner = new ControllerRunner({
    kubeConfig,
    informers,
    controllers,
    workers: config.workers,
    backoff: reconcileBackoff,
    registry: metrics,
    logger,
  });
  podCache.addRecoveredHandler(() => runner.retryFailedNow());
  killSwitch.onChange(() => requeueAll(informers, controllers, (controller, key) => runner.enqueue(controller, key)));
  registerExperimentGauge(metrics, function* () {
    for (const { resource } of recordsControllers) {
      for (const obj of informers.informer(resource).list()) yield { kind: resource.kind, status: (obj as { status?: ChaosStatus }).status };
    }
  });

  const sweeper = createManagerSweeper({ kinds, objects, customObjects, core, podCache, daemons, events, registry: metrics, logger });
  // ConfigMap faultline-status for `faultline doctor` and `recover --orphans`, written by the leader
  const status = createManagerStatus({
    namespace: config.namespace,
    intervalMs: config.statusIntervalSeconds * 1000,
    identity,
    version: managerVersion(),
    kinds: () => kinds.list(),
    queueDepth: () => runner.queueDepth,
    core,
    authorization: clients.api(AuthorizationV1Api),
    ...(!config.daemonAddress && { discovery: { api: clients.api(DiscoveryV1Api), serviceName: config.daemonService } }),
    daemons,
    sweeper,
    needs: managerNeeds({ kinds: kinds.list(), namespace: config.namespace, leaderElect: config.leaderElect, staticDaemonAddress: config.daemonAddress !== undefined }),
    kubeConfig,
    logger,
  });

  let leading = false;
  // ready once started; a leader only once every watch has listed everything
  const probes = createProbeServer({ metrics, healthy: () => true, ready: () => !leading || informers.hasSynced });
  const lead = async (signal: AbortSignal) => {
    leading = true;
    void killSwitch.run(AbortSignal.any([signal, shutdown.signal])); // before the lists: it warns when its own never ends
    await runner.start();
    logger.info("leading: watching chaos kinds", { kinds: kinds.list().map((k) => k.kind), identity });
    void sweeper.run(AbortSignal.any([signal, shutdown.signal]), config.sweepIntervalSeconds * 1000);
    void status.run(AbortSignal.any([signal, shutdown.signal]));
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  };
  const elector = createManagerLeadership({ config, kubeConfig, clients, bucket, identity, logger, lead, shuttingDown: shutdown.signal });
  exitOnSignals(logger, async () => {
    shutdown.abort();
    await informers.stop();
    await runner.stop({ graceMs: 10_000 });
    await elector?.stop();
    daemons.close();
    await probes.close();
  });

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
