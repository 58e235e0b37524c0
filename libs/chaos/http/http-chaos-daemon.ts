import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, type DaemonHandlers, type NamespaceKind } from "@faultline/daemon-server";

/**
 * The command HTTPChaos runs inside the target pod's namespaces, as an argv array (never a
 * shell string). `true` changes nothing: this is the place to put the fault's command.
 */
export const httpCommand: readonly string[] = ["true"];

/**
 * The command RecoverHTTPChaos runs in the same namespaces to remove what `httpCommand`
 * left behind. `true` changes nothing: this is the place to put it.
 */
export const httpRecoverCommand: readonly string[] = ["true"];

/** The namespaces the commands enter: the pod's network namespace. */
export const httpNamespaces: readonly NamespaceKind[] = ["net"];

/**
 * The daemon side of HTTPChaos: ExecHTTPChaos resolves the container's host pid through the
 * container runtime, runs `httpCommand` in its namespaces and logs what ran;
 * RecoverHTTPChaos does the same with `httpRecoverCommand`.
 */
export function httpChaosDaemon(deps: DaemonKindDeps): DaemonHandlers {
  return {
    async execHTTPChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecHTTPChaos", { request: { containerId: req.containerId } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = httpCommand;
      const { stdout } = await deps.runner.run({ pid, namespaces: httpNamespaces, argv, signal: ctx.signal });
      log.info("HTTPChaos injected", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
    async recoverHTTPChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverHTTPChaos", { request: { containerId: req.containerId } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const argv = httpRecoverCommand;
      const { stdout } = await deps.runner.run({ pid, namespaces: httpNamespaces, argv, signal: ctx.signal });
      log.info("HTTPChaos recovered", { pid, argv, ...(stdout.length > 0 && { output: stdout }) });
      return {};
    },
  };
}
