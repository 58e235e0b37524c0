import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, type DaemonHandlers, type NamespaceKind } from "@faultline/daemon-server";

/** The command HelloWorldChaos runs inside the target container's mount namespace. */
export const helloWorldCommand: readonly string[] = ["sh", "-c", "ps aux"];

/** The namespaces of the target container {@link helloWorldCommand} runs in: its mount namespace, so /proc is the container's own. */
export const helloWorldNamespaces: readonly NamespaceKind[] = ["mnt"];

/**
 * The daemon side of HelloWorldChaos: ExecHelloWorldChaos resolves the container's host pid, runs
 * `ps aux` inside the container's mount namespace (so /proc is the container's own) and logs the
 * process list.
 */
export function helloWorldChaosDaemon(deps: DaemonKindDeps): DaemonHandlers {
  return {
    async execHelloWorldChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecHelloWorldChaos", { request: { containerId: req.containerId } });
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      const { stdout } = await deps.runner.run({ pid, namespaces: [...helloWorldNamespaces], argv: helloWorldCommand, signal: ctx.signal });
      if (stdout.length > 0) log.info("cmd output", { output: stdout });
      return {};
    },
  };
}
