import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import type { NodeCapabilities } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { httpInterceptionCapable, requestLogger, toConnectError, type DaemonHandlers } from "@faultline/daemon-server";
import { refusalError } from "../network/daemon/kernel-refusal.js";
import { podNetnsDaemon, type PodNetnsDaemonOptions } from "../pod-netns-process/pod-netns-daemon.js";
import { PodProcessStartError, capLog } from "../pod-netns-process/pod-process.js";
import { checkContainerId, checkRecordKey, precondition } from "../pod-netns-process/pod-request-validation.js";
import { setHttpRedirect } from "./daemon/http-redirect.js";
import { checkExecHttpRequest, checkHttpRules, checkHttpTls, type HttpRecord } from "./daemon/http-request-validation.js";
import { HttpStateDir, assignListeners, defaultHttpStateDir, podTls, rulePorts, type PodHttpState } from "./daemon/http-state.js";
import { ProcessProxyLauncher, defaultProxyUid, listeningTcpPorts, type ProxyLauncher } from "./daemon/proxy-process.js";
import { httpProxyMainPath } from "./proxy/http-proxy-path.js";

/** Options of HTTPChaos's daemon side; the defaults are what the daemon image has. */
export interface HttpChaosDaemonOptions extends PodNetnsDaemonOptions<ProxyLauncher> {
  /** The uid (and gid) the proxies run as; default 2000080. */
  proxyUid?: number;
}

/** HTTPChaos's daemon side: its handlers, and the reconcile pass its loop runs. */
export interface HttpChaosDaemon {
  handlers: DaemonHandlers;
  reconcile(): Promise<void>;
}

/** The record key ApplyHttpChaos (Chaos Mesh's manager) keeps a pod's whole rule set under. */
export const chaosMeshRecordPrefix = "chaos-mesh/";
export const chaosMeshRecordKey = (containerId: string) => `${chaosMeshRecordPrefix}${containerId}`;

/**
 * The daemon side of HTTPChaos (see `daemon/README.md`).
 *
 * ExecHTTPChaos adds one record's rules to the target pod's HTTP proxy: a Node process of the
 * daemon's (`proxy/`), started detached in its own session, entered into the pod's network
 * namespace only, run as an unprivileged uid with no capability and moved into the POD's cgroup,
 * one listener per distinct rule port. Only once it listens is the pod's incoming traffic for
 * those ports redirected to it (iptables nat PREROUTING, chain FAULTLINE-HTTP, one atomic
 * iptables-restore). Per pod (key: its network namespace's inode), serialised, the state lives in a
 * directory that outlives the daemon. Records compose in the order first applied; a new one
 * rewrites the config and SIGHUPs the proxy, a new port's redirect is added once it listens there.
 *
 * RecoverHTTPChaos drops one record; redirects of ports no rule uses go before the proxy is told;
 * with none left the redirect goes FIRST, then the proxy, then the state.
 *
 * Never a black hole: the proxy keeps serving while the daemon is down; the reconcile pass (at
 * start and every few seconds) removes a gone pod's state, and when the proxy died with a redirect
 * in place removes the redirect AT ONCE (the server is reachable directly), then starts the proxy
 * again and redirects again.
 *
 * ApplyHttpChaos (Chaos Mesh's) sets the pod's whole Chaos Mesh rule set, kept as one record
 * `chaos-mesh/<container id>` beside Faultline's records; empty rules remove it.
 */
export function httpChaosDaemon(deps: DaemonKindDeps, options: HttpChaosDaemonOptions = {}): DaemonHandlers {
  return createHttpChaosDaemon(deps, options).handlers;
}

/** {@link httpChaosDaemon}'s handlers with its reconcile pass. */
export function createHttpChaosDaemon(deps: DaemonKindDeps, options: HttpChaosDaemonOptions = {}): HttpChaosDaemon {
  const uid = options.proxyUid ?? defaultProxyUid;
  const owner = { uid, gid: uid };
  const pod = podNetnsDaemon(deps, options, {
    stateDir: (root) => new HttpStateDir(root),
    defaultStateDir: defaultHttpStateDir,
    launcher: (paths) => new ProcessProxyLauncher({ main: httpProxyMainPath(), paths, uid, gid: uid }),
    capable: httpInterceptionCapable,
    lacks: "http/interception (iptables with the nat table's REDIRECT target, in the pod's network namespace)",
    hostNetworkRefusal: "redirecting its ports would take the node's own incoming traffic",
    records: (st: PodHttpState) => st.records,
    checkFailed: "HTTP chaos check failed: tried again",
  });
  const { paths, capabilities, state, processes: proxies, tell, nsOf, cmdsOf, alive } = pod;
  const write = (key: string, st: PodHttpState) => state().write(key, st, owner);

  /**
   * Brings a pod to `records` (non-empty), from `before` (its state, or none), its namespace
   * entered through `member`. Order: redirects of ports no rule uses any more go first; then the
   * config; then the proxy (reloaded if alive, else started) and only once it listens on every
   * port, the redirect of every port. On failure the pod is left as it was before (or, for a
   * first record, with nothing), never redirected to a port nothing listens on.
   */
  async function converge(key: string, netns: { dev: number; ino: number }, member: number, before: PodHttpState | undefined, records: HttpRecord[], caps: NodeCapabilities, signal?: AbortSignal): Promise<{ [field: string]: unknown }> {
    const ns = nsOf(caps, member, signal);
    const cmds = cmdsOf(caps);
    const ports = rulePorts(records);
    const listeners = assignListeners(ports, before?.listeners ?? [], listeningTcpPorts(paths.procRoot, member));
    const running = alive(before?.proxy);
    let redirected = before?.redirected ?? [];
    const redirectFor = (serverPorts: readonly number[]) => listeners.filter((l) => serverPorts.includes(l.serverPort));
    // a dead proxy behind a redirect, or ports no rule uses: those redirects go first
    const keepRedirect = running ? redirected.filter((p) => ports.includes(p)) : [];
    if (keepRedirect.length !== redirected.length) {
      await setHttpRedirect(ns, cmds, redirectFor(keepRedirect)).catch((error: unknown) => {
        throw refusalError(error, caps.nodeName, "the pod's redirect is unchanged");
      });
      redirected = keepRedirect;
      if (before !== undefined) write(key, { ...before, redirected });
    }
    const next: PodHttpState = { netns, records, listeners, redirected, ...(running && { proxy: before!.proxy }) };
    write(key, next);
    const rollBack = async () => {
      if (before === undefined || !running) {
        await setHttpRedirect(ns, cmds, []).catch(() => undefined);
        if (next.proxy !== undefined) await proxies().stop(next.proxy);
        state().remove(key);
        return;
      }
      // the proxy as it was: its config again (the redirects it had are still in place)
      write(key, { ...before, redirected });
      await proxies()
        .reload(before.proxy!, state().podDir(key), before.listeners.map((l) => l.proxyPort))
        .catch(() => undefined);
    };
    let started = false;
    try {
      if (running) {
        await proxies().reload(before!.proxy!, state().podDir(key), listeners.map((l) => l.proxyPort));
      } else {
        next.proxy = await proxies().start({ memberPid: member, dir: state().podDir(key), ports: listeners.map((l) => l.proxyPort) });
        started = true;
        write(key, next);
      }
    } catch (error) {
      await rollBack();
      throw error instanceof PodProcessStartError ? precondition(error.message) : error;
    }
    try {
      await setHttpRedirect(ns, cmds, listeners);
    } catch (error) {
      await rollBack();
      throw refusalError(error, caps.nodeName, before === undefined ? "nothing of this call was left applied" : "the pod's HTTP chaos is as it was before this call");
    }
    next.redirected = ports;
    write(key, next);
    return { proxy: next.proxy!.pid, started, reloaded: !started, rules: records.reduce((n, r) => n + r.rules.length, 0), listeners };
  }

  /** Removes a pod's HTTP chaos whole: the redirect first (if the pod is still there), then the proxy, then the state. */
  async function removeAll(key: string, st: PodHttpState, signal?: AbortSignal): Promise<{ [field: string]: unknown }> {
    const running = alive(st.proxy);
    const member = pod.memberOf(st.netns, st.proxy) ?? (running ? st.proxy!.pid : undefined);
    let redirect = "absent";
    if (member !== undefined) {
      const caps = await capabilities();
      try {
        redirect = await setHttpRedirect(nsOf(caps, member, signal), cmdsOf(caps), []);
      } catch (error) {
        throw refusalError(error, caps.nodeName, "the pod's HTTP chaos is still in place");
      }
    }
    if (running) await proxies().stop(st.proxy!);
    state().remove(key);
    return { redirect, proxyStopped: running, podGone: member === undefined };
  }

  const sameTls = (a: HttpRecord["tls"], b: HttpRecord["tls"]) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const sameRecord = (a: HttpRecord, b: HttpRecord) => JSON.stringify(a.rules) === JSON.stringify(b.rules) && sameTls(a.tls, b.tls);

  /** The records with `record` in: replacing one of its key where it stands, else last; refusing other TLS material. */
  function withRecord(records: readonly HttpRecord[], record: HttpRecord, replacing: (r: HttpRecord) => boolean = (r) => r.recordKey === record.recordKey): HttpRecord[] {
    const others = records.filter((r) => !replacing(r));
    const tls = podTls(others);
    if (record.tls !== undefined && tls !== undefined && !sameTls(tls, record.tls)) {
      const holder = others.find((r) => r.tls !== undefined)!;
      throw precondition(`tls: the pod's proxy already terminates TLS with other material (record ${holder.recordKey}); one pod's proxy has one certificate`);
    }
    const at = records.findIndex(replacing);
    if (at < 0) return [...records, record];
    return [...records.slice(0, at), record, ...records.slice(at + 1).filter((r) => !replacing(r))];
  }

  const { reconcile } = pod.reconcileWith(async (key, st) => {
    const running = alive(st.proxy);
    const records = st.records.map((r) => r.recordKey);
    const member = pod.memberOf(st.netns, st.proxy);
    if (member === undefined) {
      if (running) await proxies().stop(st.proxy!);
      state().remove(key);
      tell({ message: "HTTP chaos's pod is gone: its state removed", netns: key, records });
      return;
    }
    const wanted = rulePorts(st.records);
    if (running && wanted.length === st.redirected.length && wanted.every((p) => st.redirected.includes(p))) {
      capLog(`${state().podDir(key)}/proxy.log`);
      return;
    }
    const caps = await capabilities();
    if (!running && st.redirected.length > 0) {
      // the redirect points at nothing: the pod's server must be reachable directly, now
      await setHttpRedirect(nsOf(caps, member), cmdsOf(caps), []);
      st.redirected = [];
      write(key, st);
      tell({ level: "warn", message: "HTTP proxy had exited while its redirect was in place: redirect removed, starting it again", netns: key, proxy: st.proxy?.pid, records });
    }
    try {
      const outcome = await converge(key, st.netns, member, st, st.records, caps);
      tell({ level: "warn", message: running ? "HTTP redirect completed (an earlier daemon stopped half way)" : "HTTP proxy started again and redirected", netns: key, ...outcome, records });
    } catch (error) {
      await removeAll(key, state().read(key) ?? st).catch(() => undefined);
      tell({ level: "error", message: "HTTP proxy could not be started again: the pod's HTTP chaos removed (its server is reachable directly)", netns: key, error: (error as Error).message, records });
    }
  });

  const handlers: DaemonHandlers = {
    async execHTTPChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecHTTPChaos", { request: { containerId: req.containerId, recordKey: req.recordKey, rules: req.rules.length > 2000 ? `${req.rules.length} characters` : req.rules, tls: req.tls !== "" } });
      const record = checkExecHttpRequest(req);
      const { caps, pid, netns, key } = await pod.target(req.containerId, ctx.signal);
      try {
        const outcome = await pod.withPod(key, async (before) => {
          const held = before?.records.find((r) => r.recordKey === record.recordKey);
          if (held !== undefined && sameRecord(held, record) && alive(before!.proxy) && rulePorts(before!.records).every((p) => before!.redirected.includes(p))) {
            return { proxy: before!.proxy!.pid, unchanged: true };
          }
          const records = withRecord(before?.records ?? [], held !== undefined && sameRecord(held, record) ? held : record);
          return converge(key, netns, pid, before, records, caps, ctx.signal);
        });
        log.info("HTTPChaos injected", { pid, netns: key, recordKey: record.recordKey, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async recoverHTTPChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverHTTPChaos", { request: { containerId: req.containerId, recordKey: req.recordKey } });
      checkContainerId(req.containerId);
      checkRecordKey(req.recordKey);
      const outcome = await recoverKey(req.recordKey, ctx.signal);
      log.info("HTTPChaos recovered", { recordKey: req.recordKey, ...outcome });
      return {};
    },

    async listHTTPChaos(_req, ctx) {
      const injections = pod
        .allRecords()
        .map((r) => ({ recordKey: r.recordKey, containerId: r.containerId, rules: r.rulesJson }));
      requestLogger(ctx).info("ListHTTPChaos", { injections: injections.length });
      return { injections };
    },

    async applyHttpChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ApplyHttpChaos", { request: { containerId: req.containerId, rules: req.rules.length > 2000 ? `${req.rules.length} characters` : req.rules, proxyPorts: req.proxyPorts, tls: req.tls !== "" } });
      let record: HttpRecord;
      try {
        checkContainerId(req.containerId);
        const rules = checkHttpRules(req.rules === "" ? "[]" : req.rules);
        req.proxyPorts.forEach((p, i) => {
          if (p < 1 || p > 65535) throw new ConnectError(`proxyPorts[${i}]: ${p} is not a port (1 to 65535)`, Code.InvalidArgument);
        });
        const tls = checkHttpTls(req.tls);
        record = { recordKey: chaosMeshRecordKey(req.containerId), containerId: req.containerId, rules, rulesJson: req.rules, ...(tls !== undefined && { tls }) };
      } catch (error) {
        // Chaos Mesh's manager reads a refused rule set from the status code, as from its proxy
        const e = toConnectError(error);
        log.info("ApplyHttpChaos refused", { error: e.rawMessage });
        return { instance: 0n, startTime: 0n, statusCode: 400, error: e.rawMessage, instanceUid: "" };
      }
      if (record.rules.length === 0) {
        const outcome = await recoverKey(record.recordKey, ctx.signal);
        log.info("HttpChaos applied", { recordKey: record.recordKey, rules: 0, ...outcome });
        return { instance: 0n, startTime: 0n, statusCode: 200, error: "", instanceUid: "" };
      }
      const { caps, pid, netns, key } = await pod.target(req.containerId, ctx.signal);
      try {
        const proxy = await pod.withPod(key, async (before) => {
          // the whole Chaos Mesh rule set of the pod: any earlier one (another container's key) is replaced
          const records = withRecord(before?.records ?? [], record, (r) => r.recordKey.startsWith(chaosMeshRecordPrefix));
          await converge(key, netns, pid, before, records, caps, ctx.signal);
          return state().read(key)!.proxy!;
        });
        log.info("HttpChaos applied", { pid, netns: key, recordKey: record.recordKey, proxy: proxy.pid });
        return { instance: BigInt(proxy.pid), startTime: BigInt(startTimeMs(paths.procRoot, proxy)), statusCode: 200, error: "", instanceUid: `${proxy.pid}-${proxy.startTicks}` };
      } catch (error) {
        throw toConnectError(error);
      }
    },
  };

  /** Drops a record key wherever it is held; an unknown key or a gone pod is recovered. */
  async function recoverKey(recordKey: string, signal?: AbortSignal): Promise<{ [field: string]: unknown }> {
    return pod.dropRecord(recordKey, async (key, st) => {
      const records = st.records.filter((r) => r.recordKey !== recordKey);
      const member = pod.memberOf(st.netns, st.proxy);
      if (records.length === 0 || member === undefined) return { netns: key, ...(await removeAll(key, st, signal)) };
      return { netns: key, ...(await converge(key, st.netns, member, st, records, await capabilities(), signal)) };
    });
  }

  return { handlers, reconcile };
}

/** A process's start time in ms since the epoch (boot time from `/proc/stat` + its start ticks at 100 Hz). */
export function startTimeMs(procRoot: string, p: { startTicks: string }): number {
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync(`${procRoot}/stat`, "utf8"))?.[1];
    if (btime === undefined) return 0;
    return Number(btime) * 1000 + Number(p.startTicks) * 10;
  } catch {
    return 0;
  }
}
