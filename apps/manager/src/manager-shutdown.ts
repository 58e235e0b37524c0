// How the manager stops on SIGTERM / SIGINT: in order, within 30 s, then exits.
import type winston from "winston";

/** How long a shutdown may take before the process exits anyway (status 1). */
const shutdownGuardMs = 30_000;

/**
 * On the first SIGTERM or SIGINT: logs "shutting down", runs `stop` (the manager's parts in order),
 * logs "stopped" and exits 0 once the logger has flushed. A shutdown that hangs (a request that
 * never ends) must not keep the process: Kubernetes would only SIGKILL it after the grace period,
 * and a local run would never end; after {@link shutdownGuardMs} it exits 1.
 */
export function exitOnSignals(logger: winston.Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${shutdownGuardMs / 1000} s: exiting`, { signal });
      process.exit(1);
    }, shutdownGuardMs).unref();
    await stop();
    logger.info("stopped");
    logger.on("finish", () => process.exit(0));
    logger.end();
  };
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  process.on("SIGINT", () => void onSignal("SIGINT"));
}
