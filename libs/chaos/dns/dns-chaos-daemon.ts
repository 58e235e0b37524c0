import type { ExecDNSChaosRequest, RecoverDNSChaosRequest } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, type DaemonHandlers, type NamespaceKind } from "@faultline/daemon-server";

/**
 * The command DNSChaos runs inside the target container's namespaces, as an argv array (never a
 * shell string), built from the request's fields. `echo` changes nothing: this is the place to put
 * the fault's command.
 */
export function dnsCommand(request: ExecDNSChaosRequest): string[] {
  return ["echo", "DNSChaos", `action=${request.action}`, `patterns=${request.patterns.join(",")}`];
}

/**
 * The command RecoverDNSChaos runs in the same namespaces to remove what `dnsCommand`
 * left behind, built from the request's fields. `echo` changes nothing: this is the place to put it.
 */
export function dnsRecoverCommand(request: RecoverDNSChaosRequest): string[] {
  return ["echo", "DNSChaos recovered", `recordKey=${request.recordKey}`];
}

/** The namespaces the commands enter: the container's mount namespace, so it sees the container's own filesystem. */
export const dnsNamespaces: readonly NamespaceKind[] = ["mnt"];

/**
 * The daemon side of DNSChaos: ExecDNSChaos resolves the container's host pid through the
 * container runtime, runs `dnsCommand` in its namespaces and logs what ran;
 * RecoverDNSChaos does the same with `dnsRecoverCommand`.
 */
export function dnsChaosDaemon(deps: DaemonKindDeps): DaemonHandlers {
  return {
    async execDNSChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecDNSChaos", { request: { containerId: req.containerId, action: req.action, patterns: req.patterns } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = dnsCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: dnsNamespaces, argv, signal: ctx.signal });
      log.info("DNSChaos injected", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
    async recoverDNSChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverDNSChaos", { request: { containerId: req.containerId, recordKey: req.recordKey } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = dnsRecoverCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: dnsNamespaces, argv, signal: ctx.signal });
      log.info("DNSChaos recovered", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
  };
}
