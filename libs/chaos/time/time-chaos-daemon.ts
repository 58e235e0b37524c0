import type { ExecTimeChaosRequest, RecoverTimeChaosRequest } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, type DaemonHandlers, type NamespaceKind } from "@faultline/daemon-server";

/**
 * The command TimeChaos runs inside the target container's namespaces, as an argv array (never a
 * shell string), built from the request's fields. `echo` changes nothing: this is the place to put
 * the fault's command.
 */
export function timeCommand(request: ExecTimeChaosRequest): string[] {
  return ["echo", "TimeChaos", `timeOffset=${request.timeOffset}`, `clockIds=${request.clockIds.join(",")}`];
}

/**
 * The command RecoverTimeChaos runs in the same namespaces to remove what `timeCommand`
 * left behind, built from the request's fields. `echo` changes nothing: this is the place to put it.
 */
export function timeRecoverCommand(request: RecoverTimeChaosRequest): string[] {
  return ["echo", "TimeChaos recovered", `timeOffset=${request.timeOffset}`, `clockIds=${request.clockIds.join(",")}`];
}

/** The namespaces the commands enter: the container's mount namespace, so it sees the container's own filesystem. */
export const timeNamespaces: readonly NamespaceKind[] = ["mnt"];

/**
 * The daemon side of TimeChaos: ExecTimeChaos resolves the container's host pid through the
 * container runtime, runs `timeCommand` in its namespaces and logs what ran;
 * RecoverTimeChaos does the same with `timeRecoverCommand`.
 */
export function timeChaosDaemon(deps: DaemonKindDeps): DaemonHandlers {
  return {
    async execTimeChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecTimeChaos", { request: { containerId: req.containerId, timeOffset: req.timeOffset, clockIds: req.clockIds } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = timeCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: timeNamespaces, argv, signal: ctx.signal });
      log.info("TimeChaos injected", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
    async recoverTimeChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverTimeChaos", { request: { containerId: req.containerId, timeOffset: req.timeOffset, clockIds: req.clockIds } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = timeRecoverCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: timeNamespaces, argv, signal: ctx.signal });
      log.info("TimeChaos recovered", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
  };
}
