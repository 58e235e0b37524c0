import { constants, existsSync, lstatSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import type { NodeCapabilities } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { dnsInterceptionCapable, requestLogger, toConnectError, type DaemonHandlers } from "@faultline/daemon-server";
import { refusalError } from "../network/daemon/kernel-refusal.js";
import type { HostPaths } from "../stress/cgroup-target.js";
import { installDnsRedirect, removeDnsRedirect } from "./daemon/dns-redirect.js";
import { checkExecDnsRequest, type DnsRule } from "./daemon/dns-request-validation.js";
import { DnsStateDir, atomicWrite, defaultDnsStateDir, type InterceptorProcess, type PodDnsState } from "./daemon/dns-state.js";
import { InterceptorStartError, ProcessInterceptorLauncher, defaultInterceptorPort, defaultInterceptorUid, type InterceptorLauncher } from "./daemon/interceptor-process.js";
import { podNetnsDaemon, type PodNetnsDaemonOptions } from "../pod-netns-process/pod-netns-daemon.js";
import { capLog } from "../pod-netns-process/pod-process.js";
import { checkContainerId, checkRecordKey, invalid, precondition } from "../pod-netns-process/pod-request-validation.js";
import { resolvConfNameservers, withNameserver } from "./daemon/resolv-conf.js";
import { dnsInterceptorMainPath } from "./resolver/dns-interceptor-path.js";

/** Options of DNSChaos's daemon side; the defaults are what the daemon image has. */
export interface DnsChaosDaemonOptions extends PodNetnsDaemonOptions<InterceptorLauncher> {
  /** The uid (and gid) the interceptors run as; default 2000053. */
  interceptorUid?: number;
  /** The port the interceptors listen on in their pod's network namespace; default 15353. */
  interceptorPort?: number;
}

/** DNSChaos's daemon side: its handlers, and the reconcile pass its loop runs (tests call it themselves). */
export interface DnsChaosDaemon {
  handlers: DaemonHandlers;
  reconcile(): Promise<void>;
}

/**
 * The daemon side of DNSChaos.
 *
 * ExecDNSChaos intercepts the target pod's DNS inside the pod's own network namespace: a resolver
 * process of the daemon's (the interceptor, `resolver/`), started detached in its own session,
 * entered into the pod's network namespace only, run as an unprivileged uid with no capability and
 * moved into the POD's cgroup, answers names matching a rule's patterns with its action and
 * forwards everything else to the pod's own nameservers (read from the target's resolv.conf at the
 * first injection). Only once it said it is ready is UDP and TCP port 53 redirected to it (iptables
 * nat, chain FAULTLINE-DNS, the interceptor's own uid let through); a failure before that leaves
 * nothing behind. Per pod (key: its network namespace's inode), serialised, the state lives in a
 * directory that outlives the daemon's container: the interceptor's config, pid, start time and
 * port, and the rules by record key. Record keys compose: a new one rewrites the config and
 * SIGHUPs the interceptor; the same again changes nothing.
 *
 * RecoverDNSChaos drops one record key; with none left the redirect goes FIRST, then the
 * interceptor (SIGTERM), then the state, so the pod is never left redirected to nothing. A key the
 * daemon does not hold, or a pod that is gone, is recovered.
 *
 * The pod is never left without DNS: while the daemon is down (restarting, crashed) the
 * interceptor keeps answering, as a process of its own in the pod's cgroup; it exits by itself
 * when the pod goes (no other process left in its network namespace). On start and every few
 * seconds the daemon reconciles every state: a gone pod's state is removed; an interceptor that
 * died while the redirect is in place is started again (and if it cannot be, the redirect is
 * removed, so the pod's DNS goes straight to its nameservers, and the state with it: ListDNSChaos
 * then shows the injection lost); an interceptor without its redirect (a daemon that died in the
 * middle of an injection) is stopped.
 *
 * SetDNSServer (Chaos Mesh's) points the target's resolv.conf at a server by writing the file
 * through the container's root, the original kept in the state directory to restore; no shell,
 * nothing run in the container.
 */
export function dnsChaosDaemon(deps: DaemonKindDeps, options: DnsChaosDaemonOptions = {}): DaemonHandlers {
  return createDnsChaosDaemon(deps, options).handlers;
}

/** {@link dnsChaosDaemon}'s handlers with its reconcile pass. */
export function createDnsChaosDaemon(deps: DaemonKindDeps, options: DnsChaosDaemonOptions = {}): DnsChaosDaemon {
  const uid = options.interceptorUid ?? defaultInterceptorUid;
  const port = options.interceptorPort ?? defaultInterceptorPort;
  const pod = podNetnsDaemon(deps, options, {
    stateDir: (root) => new DnsStateDir(root),
    defaultStateDir: defaultDnsStateDir,
    launcher: (paths) => new ProcessInterceptorLauncher({ main: dnsInterceptorMainPath(), paths, uid, gid: uid }),
    capable: dnsInterceptionCapable,
    lacks: "dns/interception (iptables with the nat table's REDIRECT target and the owner match, in the pod's network namespace)",
    hostNetworkRefusal: "intercepting DNS there would redirect the node's own lookups",
    records: (st: PodDnsState) => st.rules,
    checkFailed: "DNS interception check failed: tried again",
  });
  const { paths, capabilities, state, processes: interceptors, tell, nsOf, cmdsOf, alive } = pod;

  async function upstreamsOf(containerId: string, pid: number): Promise<string[]> {
    const file = join(paths.procRoot, String(pid), "root", "etc", "resolv.conf");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw precondition(`container ${containerId}: cannot read its /etc/resolv.conf (${(error as Error).message}): the interceptor would not know where to send the names it does not answer`);
    }
    const servers = resolvConfNameservers(text);
    if (servers.length === 0) throw precondition(`container ${containerId}: its /etc/resolv.conf names no nameserver: the interceptor would not know where to send the names it does not answer`);
    const v6 = servers.filter((s) => isIP(s.replace(/%.*$/, "")) === 6);
    if (v6.length > 0) {
      throw precondition(`container ${containerId}: its /etc/resolv.conf names IPv6 nameserver(s) ${v6.join(", ")}: DNSChaos intercepts DNS over IPv4 only, lookups sent there would not be intercepted`);
    }
    return servers;
  }

  /** Starts a pod's interceptor; on failure nothing of it runs and the error is FailedPrecondition. */
  async function startInterceptor(key: string, memberPid: number): Promise<InterceptorProcess> {
    try {
      return await interceptors().start({ memberPid, dir: state().podDir(key), port });
    } catch (error) {
      throw error instanceof InterceptorStartError ? precondition(error.message) : error;
    }
  }

  async function inject(key: string, before: PodDnsState | undefined, netns: { dev: number; ino: number }, pid: number, rule: DnsRule, caps: NodeCapabilities, signal: AbortSignal): Promise<{ [field: string]: unknown }> {
    const ns = nsOf(caps, pid, signal);
    const cmds = cmdsOf(caps);
    if (before === undefined) {
      const fresh: PodDnsState = { netns, upstreams: await upstreamsOf(rule.containerId, pid), rules: [rule], containerIds: [rule.containerId], redirect: false };
      state().write(key, fresh);
      let proc: InterceptorProcess;
      try {
        proc = await startInterceptor(key, pid);
      } catch (error) {
        state().remove(key);
        throw error;
      }
      fresh.interceptor = proc;
      state().write(key, fresh);
      try {
        await installDnsRedirect(ns, cmds, { uid, port });
      } catch (error) {
        await removeDnsRedirect(ns, cmds).catch(() => undefined);
        await interceptors().stop(proc);
        state().remove(key);
        throw refusalError(error, caps.nodeName, "nothing of this call was left applied");
      }
      fresh.redirect = true;
      state().write(key, fresh);
      return { interceptor: proc.pid, started: true, upstreams: fresh.upstreams, rules: 1 };
    }

    const held = before.rules.find((r) => r.recordKey === rule.recordKey);
    const same = held !== undefined && held.action === rule.action && held.patterns.length === rule.patterns.length && held.patterns.every((p, i) => p === rule.patterns[i]);
    const next: PodDnsState = {
      ...before,
      rules: same ? before.rules : [...before.rules.filter((r) => r.recordKey !== rule.recordKey), rule],
      containerIds: before.containerIds.includes(rule.containerId) ? before.containerIds : [...before.containerIds, rule.containerId],
    };
    const running = alive(before.interceptor);
    if (same && running && before.redirect) {
      if (next.containerIds !== before.containerIds) state().write(key, next);
      return { interceptor: before.interceptor!.pid, unchanged: true, rules: next.rules.length };
    }
    state().write(key, next);
    if (running) {
      if (!same) interceptors().reload(before.interceptor!);
    } else {
      try {
        next.interceptor = await startInterceptor(key, pid);
      } catch (error) {
        // the old one is dead too: no redirect may stay pointing at nothing
        if (before.redirect) await removeDnsRedirect(ns, cmds).catch(() => undefined);
        state().remove(key);
        throw error;
      }
      state().write(key, next);
    }
    if (!next.redirect) {
      try {
        await installDnsRedirect(ns, cmds, { uid, port });
      } catch (error) {
        await removeDnsRedirect(ns, cmds).catch(() => undefined);
        await interceptors().stop(next.interceptor!);
        state().remove(key);
        throw refusalError(error, caps.nodeName, "the pod's interception was removed");
      }
      next.redirect = true;
      state().write(key, next);
    }
    return { interceptor: next.interceptor!.pid, started: !running, reloaded: running && !same, rules: next.rules.length };
  }

  /** Removes a pod's interception whole: the redirect first (if the pod is still there), then the interceptor, then the state. */
  async function removeInterception(key: string, st: PodDnsState, signal?: AbortSignal): Promise<{ [field: string]: unknown }> {
    const running = alive(st.interceptor);
    const member = running ? st.interceptor!.pid : pod.memberOf(st.netns, st.interceptor);
    let redirect = "absent";
    if (member !== undefined && st.redirect) {
      const caps = await capabilities();
      try {
        redirect = await removeDnsRedirect(nsOf(caps, member, signal), cmdsOf(caps));
      } catch (error) {
        throw refusalError(error, caps.nodeName, "the interception is still in place");
      }
    }
    if (running) await interceptors().stop(st.interceptor!);
    state().remove(key);
    return { redirect, interceptorStopped: running, podGone: member === undefined };
  }

  const { reconcileOne, reconcile } = pod.reconcileWith(async (key, st) => {
    const running = alive(st.interceptor);
    if (running && st.redirect) {
      capLog(`${state().podDir(key)}/interceptor.log`);
      return;
    }
    if (running || !st.redirect) {
      // an earlier daemon died between starting the interceptor and redirecting to it
      await removeInterception(key, st);
      tell({ message: "DNS interception left half-made by an earlier daemon removed", netns: key, records: st.rules.map((r) => r.recordKey) });
      return;
    }
    const member = pod.memberOf(st.netns, st.interceptor);
    if (member === undefined) {
      state().remove(key);
      tell({ message: "DNS interception's pod is gone: its state removed", netns: key, records: st.rules.map((r) => r.recordKey) });
      return;
    }
    // the redirect is in place and nothing answers behind it: the pod has no DNS until this is done
    try {
      const restarted = await startInterceptor(key, member);
      st.interceptor = restarted;
      state().write(key, st);
      tell({ level: "warn", message: "DNS interceptor had exited while its redirect was in place: started again", netns: key, interceptor: restarted.pid, records: st.rules.map((r) => r.recordKey) });
    } catch (error) {
      await removeInterception(key, st).catch(() => undefined);
      tell({ level: "error", message: "DNS interceptor could not be started again: its redirect and state removed (the pod's DNS goes to its nameservers)", netns: key, error: (error as Error).message });
    }
  });

  const handlers: DaemonHandlers = {
    async execDNSChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecDNSChaos", { request: { containerId: req.containerId, action: req.action, patterns: req.patterns.length > 20 ? `${req.patterns.length} patterns` : req.patterns, recordKey: req.recordKey } });
      const rule = checkExecDnsRequest(req);
      const { caps, pid, netns, key } = await pod.target(req.containerId, ctx.signal);
      try {
        const outcome = await pod.withPod(key, (before) => inject(key, before, netns, pid, rule, caps, ctx.signal));
        log.info("DNSChaos injected", { pid, netns: key, recordKey: rule.recordKey, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async recoverDNSChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverDNSChaos", { request: { containerId: req.containerId, recordKey: req.recordKey } });
      checkContainerId(req.containerId);
      checkRecordKey(req.recordKey);
      const outcome = await pod.dropRecord(req.recordKey, async (key, st) => {
        const rules = st.rules.filter((r) => r.recordKey !== req.recordKey);
        if (rules.length === 0) return { netns: key, ...(await removeInterception(key, st, ctx.signal)) };
        const next = { ...st, rules };
        state().write(key, next);
        const running = alive(st.interceptor) ? st.interceptor : undefined;
        if (running) interceptors().reload(running);
        return { netns: key, rules: rules.length, reloaded: running !== undefined };
      });
      // an interceptor found dead on the way is the reconcile pass's to start again (or the pod's state to clean)
      if ("rules" in outcome) void reconcileOne(outcome.netns).catch(() => undefined);
      log.info("DNSChaos recovered", { recordKey: req.recordKey, ...outcome });
      return {};
    },

    async listDNSChaos(_req, ctx) {
      const injections = pod
        .allRecords()
        .map((r) => ({ recordKey: r.recordKey, containerId: r.containerId, action: r.action, patterns: r.patterns }));
      requestLogger(ctx).info("ListDNSChaos", { injections: injections.length });
      return { injections };
    },

    async setDNSServer(req, ctx) {
      const log = requestLogger(ctx);
      log.info("SetDNSServer", { request: { containerId: req.containerId, dnsServer: req.dnsServer, enable: req.enable } });
      checkContainerId(req.containerId);
      if (req.enable && isIP(req.dnsServer) === 0) throw invalid("dnsServer", `${JSON.stringify(req.dnsServer.slice(0, 100))} is not an IPv4 or IPv6 address`);
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const kept = state().keptResolvConf(req.containerId);
      const outcome = await pod.lock.run(`resolv:${req.containerId}`, async () => {
        const file = await containerResolvConf(paths, req.containerId, pid);
        if (!req.enable) {
          if (!existsSync(kept)) return { restored: false };
          await writeResolvConf(file, readFileSync(kept, "utf8"), req.containerId);
          rmSync(kept, { force: true });
          return { restored: true };
        }
        const madeKept = !existsSync(kept);
        if (madeKept) {
          mkdirSync(dirname(kept), { recursive: true, mode: 0o700 });
          atomicWrite(kept, await readFile(file, "utf8"), 0o600);
        }
        try {
          await writeResolvConf(file, withNameserver(readFileSync(kept, "utf8"), req.dnsServer), req.containerId);
        } catch (error) {
          if (madeKept) rmSync(kept, { force: true }); // nothing changed: nothing to restore
          throw error;
        }
        return { nameserver: req.dnsServer };
      });
      log.info(req.enable ? "DNS server set" : "DNS server restored", { pid, ...outcome });
      return {};
    },
  };
  return { handlers, reconcile };
}

/**
 * The target's `/etc/resolv.conf` as the daemon reaches it, through the container's root
 * (`<procRoot>/<pid>/root`). `/etc` and the file must be what they say (a directory, a regular
 * file): a symbolic link there would be followed from the daemon's root, not the container's, so
 * it is refused.
 */
async function containerResolvConf(paths: HostPaths, containerId: string, pid: number): Promise<string> {
  const etc = join(paths.procRoot, String(pid), "root", "etc");
  const file = join(etc, "resolv.conf");
  try {
    if (!lstatSync(etc).isDirectory()) throw new Error("/etc is not a directory");
    if (!lstatSync(file).isFile()) throw new Error("/etc/resolv.conf is not a regular file (a symbolic link is not followed)");
  } catch (error) {
    throw precondition(`container ${containerId}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it has no /etc/resolv.conf" : (error as Error).message}`);
  }
  return file;
}

/** Rewrites the container's resolv.conf in place (it is a bind mount: it cannot be renamed over), never following a link. */
async function writeResolvConf(file: string, text: string, containerId: string): Promise<void> {
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
      throw precondition(
        `container ${containerId}: its /etc/resolv.conf is read-only (${code}): SetDNSServer cannot rewrite it; DNSChaos's own interception (ExecDNSChaos) needs nothing written into the container`,
      );
    }
    throw error;
  }
}
