import type { ExecIOChaosRequest, RecoverIOChaosRequest } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, type DaemonHandlers, type NamespaceKind } from "@faultline/daemon-server";

/**
 * The command IOChaos runs inside the target container's namespaces, as an argv array (never a
 * shell string), built from the request's fields. `echo` changes nothing: this is the place to put
 * the fault's command.
 */
export function ioCommand(request: ExecIOChaosRequest): string[] {
  return ["echo", "IOChaos", `volumePath=${request.volumePath}`];
}

/**
 * The command RecoverIOChaos runs in the same namespaces to remove what `ioCommand`
 * left behind, built from the request's fields. `echo` changes nothing: this is the place to put it.
 */
export function ioRecoverCommand(request: RecoverIOChaosRequest): string[] {
  return ["echo", "IOChaos recovered", `volumePath=${request.volumePath}`];
}

/** The namespaces the commands enter: the container's mount namespace, so it sees the container's own filesystem. */
export const ioNamespaces: readonly NamespaceKind[] = ["mnt"];

/**
 * The daemon side of IOChaos: ExecIOChaos resolves the container's host pid through the
 * container runtime, runs `ioCommand` in its namespaces and logs what ran;
 * RecoverIOChaos does the same with `ioRecoverCommand`.
 */
export function ioChaosDaemon(deps: DaemonKindDeps): DaemonHandlers {
  return {
    async execIOChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecIOChaos", { request: { containerId: req.containerId, volumePath: req.volumePath } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = ioCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: ioNamespaces, argv, signal: ctx.signal });
      log.info("IOChaos injected", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
    async recoverIOChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverIOChaos", { request: { containerId: req.containerId, volumePath: req.volumePath } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = ioRecoverCommand(req);
      const { stdout } = await deps.runner.run({ pid, namespaces: ioNamespaces, argv, signal: ctx.signal });
      log.info("IOChaos recovered", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
  };
}
