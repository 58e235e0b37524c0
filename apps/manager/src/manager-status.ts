// The leader's published status: ConfigMap faultline-status (key status.json) in the manager's
// namespace, for `faultline doctor` and `faultline recover --orphans`. Written every
// --status-interval-seconds and when its refresh-requested annotation changes; its sweep-requested
// annotation makes the leader sweep for real and record the result as lastSweep.
import { readFileSync } from "node:fs";
import {
  faultlineStatusConfigMap,
  faultlineStatusKey,
  statusRefreshRequestedAnnotation,
  sweepRequestedAnnotation,
  type FaultlineNodeStatus,
  type FaultlineStatus,
  type NodeCapabilities,
} from "@faultline/api";
import { abortableDelay, type Logger } from "@faultline/controller";
import { DaemonNotFoundError, serviceNameLabel, type DaemonClientPool } from "@faultline/daemon-client";
import type { ChaosKind } from "@faultline/impl-registry";
import type { InjectionSweeper, ManagerNeed } from "@faultline/records";
import { daemonEntry, daemonPodsOf, daemonVersionOf, describeNeed, lastSweepOf, orphansOf, runBounded, updatedAtFor } from "@faultline/records";
import { PatchStrategy, setHeaderOptions, Watch, type AuthorizationV1Api, type CoreV1Api, type DiscoveryV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";

/** The manager's version: its package.json's (beside dist/ and src/, in the image and the npm package). */
export function managerVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * How often the find-only sweep behind `orphans` runs when nobody asks: each pass reads every
 * marked experiment from the API server (as a real sweep does), too much to repeat every status
 * write. A refresh or sweep request, and becoming leader, run it at once.
 */
export const orphanCheckIntervalMs = 120_000;

/** What {@link createManagerStatus} needs. */
export interface ManagerStatusDeps {
  namespace: string;
  /** 0: only on becoming leader and when asked (the annotations). */
  intervalMs: number;
  identity: string;
  version: string;
  kinds: () => ChaosKind[];
  queueDepth: () => number;
  core: CoreV1Api;
  authorization: AuthorizationV1Api;
  /** Absent with a static --daemon-address: the daemons' pods are not known. */
  discovery?: { api: DiscoveryV1Api; serviceName: string };
  daemons: DaemonClientPool;
  sweeper: InjectionSweeper;
  needs: ManagerNeed[];
  kubeConfig: KubeConfig;
  logger: Logger;
  /** How long a daemon has to answer GetNodeCapabilities; default 5 s. */
  daemonTimeoutMs?: number;
}

/** The status publisher; `run` while leading. */
export interface ManagerStatus {
  /** Writes the status now and on its triggers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The leader's status publisher. On becoming leader it reads the ConfigMap (keeping the lastSweep
 * an earlier leader wrote, and so not repeating a sweep already answered), then writes the status
 * (each node's daemon asked GetNodeCapabilities, the manager's RBAC gaps from
 * SelfSubjectAccessReviews, `orphans` from a find-only sweep made at most every
 * {@link orphanCheckIntervalMs} unless asked) every `intervalMs`, and at once when a watch of the
 * ConfigMap sees its refresh-requested or sweep-requested annotation change (then everything is
 * checked now). A new sweep-requested
 * value runs a real sweep first, recorded as `lastSweep` with that value as `requestedAt`. Only
 * `data` is written (a merge patch), so the CLI's annotations are never overwritten.
 */
export function createManagerStatus(deps: ManagerStatusDeps): ManagerStatus {
  const { core, logger, namespace } = deps;
  const name = faultlineStatusConfigMap;
  const timeoutMs = deps.daemonTimeoutMs ?? 5_000;

  async function read(): Promise<V1ConfigMap | undefined> {
    try {
      return await core.readNamespacedConfigMap({ namespace, name });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async function write(status: FaultlineStatus): Promise<void> {
    const data = { [faultlineStatusKey]: JSON.stringify(status, null, 1) };
    try {
      await core.patchNamespacedConfigMap({ namespace, name, body: { data } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "faultline-manager", "app.kubernetes.io/component": "status" } }, data },
      });
    }
  }

  async function rbacGaps(): Promise<string[]> {
    const gaps: string[] = [];
    await runBounded(deps.needs, 8, async (need) => {
      const review = await deps.authorization.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              verb: need.verb,
              group: need.group,
              resource: need.resource,
              ...(need.subresource !== undefined && { subresource: need.subresource }),
              ...(need.namespace !== undefined && { namespace: need.namespace }),
              ...(need.name !== undefined && { name: need.name }),
            },
          },
        },
      });
      if (!review.status?.allowed) gaps.push(describeNeed(need));
    });
    return gaps.sort();
  }

  /** node → the daemon's pod (`ns/name`) and version, from the daemon Service's EndpointSlices. */
  async function daemonPods(): Promise<Map<string, { pod: string; version?: string }>> {
    const pods = new Map<string, { pod: string; version?: string }>();
    if (!deps.discovery) return pods;
    const slices = await deps.discovery.api.listNamespacedEndpointSlice({ namespace, labelSelector: `${serviceNameLabel}=${deps.discovery.serviceName}` });
    for (const [node, ref] of daemonPodsOf(slices.items, namespace)) {
      let version: string | undefined;
      try {
        version = daemonVersionOf(await core.readNamespacedPod(ref));
      } catch {
        // the version is optional: a pod that just went is reported without it
      }
      pods.set(node, { pod: `${ref.namespace}/${ref.name}`, ...(version !== undefined && { version }) });
    }
    return pods;
  }

  async function nodes(signal: AbortSignal): Promise<FaultlineNodeStatus[]> {
    const names = (await core.listNode()).items.map((n) => n.metadata?.name ?? "").filter(Boolean).sort();
    let pods = new Map<string, { pod: string; version?: string }>();
    try {
      pods = await daemonPods();
    } catch (error) {
      logger.warn("status: the daemons' EndpointSlices could not be listed", { error: (error as Error).message });
    }
    const kinds = deps.kinds();
    const result = new Map<string, FaultlineNodeStatus>();
    await runBounded(names, 8, async (node) => {
      const known = pods.get(node);
      let answer: { caps: NodeCapabilities } | { error: string };
      try {
        const daemon = await deps.daemons.clientFor(node, "faultline/status");
        answer = { caps: await daemon.getNodeCapabilities({}, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }) };
      } catch (error) {
        if (error instanceof DaemonNotFoundError && !known) {
          result.set(node, { node });
          return;
        }
        answer = { error: (error as Error).message };
      }
      result.set(node, { node, daemon: daemonEntry(known?.pod ?? "", known?.version, kinds, answer) });
    });
    return names.map((n) => result.get(n) ?? { node: n });
  }

  return {
    async run(signal) {
      const leaderSince = new Date().toISOString();
      let lastSweep: FaultlineStatus["lastSweep"];
      let handledSweep: string | undefined;
      let seen: { refresh?: string; sweep?: string } = {};
      // the RBAC gaps: asked again every 5 minutes and for each new refresh request
      let gaps: { at: number; refresh: string | undefined; list: string[] } | undefined;
      // the last find-only sweep, and the refresh it answered
      let orphans: { at: number; refresh: string | undefined; value: FaultlineStatus["orphans"] } | undefined;
      let wake: (() => void) | undefined;
      const kick = () => wake?.();
      const observe = (cm: V1ConfigMap | undefined) => {
        const annotations = cm?.metadata?.annotations ?? {};
        const next = { refresh: annotations[statusRefreshRequestedAnnotation], sweep: annotations[sweepRequestedAnnotation] };
        const changed = next.refresh !== seen.refresh || next.sweep !== seen.sweep;
        seen = next;
        if (changed) kick();
      };

      // what an earlier leader wrote: its lastSweep is kept, and the sweep it answered not run again
      try {
        const existing = await read();
        const previous = existing?.data?.[faultlineStatusKey];
        if (previous) lastSweep = (JSON.parse(previous) as FaultlineStatus).lastSweep;
        handledSweep = lastSweep?.requestedAt;
        seen = { refresh: existing?.metadata?.annotations?.[statusRefreshRequestedAnnotation], sweep: existing?.metadata?.annotations?.[sweepRequestedAnnotation] };
      } catch (error) {
        logger.warn("status: the previous status could not be read", { error: (error as Error).message });
      }
      const watching = watchConfigMap(deps.kubeConfig, namespace, name, observe, signal, logger);

      while (!signal.aborted) {
        const wokenBy = new Promise<void>((resolve) => (wake = resolve));
        try {
          const sweepRequest = seen.sweep;
          let swept = false;
          if (sweepRequest !== undefined && sweepRequest !== handledSweep) {
            logger.info("status: sweep requested", { requestedAt: sweepRequest });
            lastSweep = lastSweepOf(sweepRequest, await deps.sweeper.pass(signal, { dryRun: false }));
            handledSweep = sweepRequest;
            swept = true;
          }
          const refresh = seen.refresh;
          if (!gaps || Date.now() - gaps.at > 300_000 || refresh !== gaps.refresh) gaps = { at: Date.now(), refresh, list: await rbacGaps() };
          const checkOrphans = !orphans || swept || refresh !== orphans.refresh || Date.now() - orphans.at > orphanCheckIntervalMs;
          const [found, nodeList] = await Promise.all([checkOrphans ? deps.sweeper.pass(signal, { dryRun: true }) : undefined, nodes(signal)]);
          if (signal.aborted) break;
          if (found) orphans = { at: Date.now(), refresh, value: orphansOf(found) };
          await write({
            updatedAt: updatedAtFor(new Date(), refresh),
            manager: { version: deps.version, identity: deps.identity, leaderSince, queueDepth: deps.queueDepth(), kinds: deps.kinds().map((k) => k.kind), rbacGaps: gaps.list },
            nodes: nodeList,
            orphans: orphans!.value,
            ...(lastSweep && { lastSweep }),
          });
        } catch (error) {
          if (signal.aborted) break;
          logger.warn("status: writing the status failed: tried again", { configMap: `${namespace}/${name}`, error: (error as Error).message });
          await abortableDelay(5_000, signal);
          continue;
        }
        // until the interval, a changed annotation, or the end of leadership
        await Promise.race([wokenBy, deps.intervalMs > 0 ? abortableDelay(deps.intervalMs, signal) : new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }))]);
      }
      await watching;
    },
  };
}

/**
 * Watches one ConfigMap (a field selector on its name) and hands every version seen to `observe`,
 * reconnecting after 2 s whenever the watch ends, until `signal` aborts.
 */
async function watchConfigMap(kubeConfig: KubeConfig, namespace: string, name: string, observe: (cm: V1ConfigMap) => void, signal: AbortSignal, logger: Logger): Promise<void> {
  const watch = new Watch(kubeConfig);
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      let request: AbortController | undefined;
      const stop = () => request?.abort();
      signal.addEventListener("abort", stop, { once: true });
      const done = (error: unknown) => {
        signal.removeEventListener("abort", stop);
        if (error && !signal.aborted && (error as Error).name !== "AbortError") logger.debug("status: the ConfigMap watch ended: watching again", { error: (error as Error).message });
        resolve();
      };
      watch
        .watch(`/api/v1/namespaces/${namespace}/configmaps`, { fieldSelector: `metadata.name=${name}` }, (type, object: V1ConfigMap) => {
          if (type === "ADDED" || type === "MODIFIED") observe(object);
        }, done)
        .then((r) => {
          request = r;
          if (signal.aborted) r.abort();
        }, done);
    });
    await abortableDelay(2_000, signal);
  }
}
