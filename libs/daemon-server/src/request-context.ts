import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Logger } from "winston";

/** The context key under which each RPC finds its request logger. */
export const requestLoggerKey = createContextKey<Logger | undefined>(undefined, {
  description: "faultline daemon request logger",
});

/**
 * The logger of the current RPC: a child of the daemon's logger carrying `method`,
 * `containerId` and `namespacedName`. Handlers log through it.
 *
 * @example
 * async execHelloWorldChaos(req, ctx) { requestLogger(ctx).info("ExecHelloWorldChaos"); ... }
 */
export function requestLogger(context: HandlerContext): Logger {
  const logger = context.values.get(requestLoggerKey);
  if (logger === undefined) {
    throw new Error("no request logger in this context: serve the handlers through createDaemonServer, or call them with createDaemonHandlerContext / callDaemonHandler");
  }
  return logger;
}
