import { Code, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "winston";
import { requestLoggerKey } from "./request-context.js";
import { checkRequestBounds, truncateForLog } from "./request-bounds.js";
import { toConnectError } from "./rpc-error-codes.js";

// The `namespaced-name` header: one definition, in @faultline/api, which the manager's pool sends.
export { namespacedNameHeader } from "@faultline/api";
import { namespacedNameHeader } from "@faultline/api";

const maxLoggedHeaderLength = 253 + 1 + 63;
// a runtime prefix and 64 hex digits ("containerd://…" is 77 characters)
const maxLoggedContainerIdLength = 96;

/**
 * The interceptor every daemon RPC passes through: gives the handler a child logger carrying the
 * method, the container id and the caller's `namespaced-name`, logs the request and its outcome,
 * and turns handler failures into ConnectErrors with meaningful codes. A request whose repeated
 * fields are over the bounds ({@link checkRequestBounds}) is refused with InvalidArgument before
 * any handler runs; request fields reach the log only after that check, and cut to a bounded length.
 */
export function requestInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const message = req.stream ? undefined : (req.message as { containerId?: unknown });
    const namespacedName = req.header.get(namespacedNameHeader)?.slice(0, maxLoggedHeaderLength);
    if (message !== undefined) {
      try {
        checkRequestBounds(message);
      } catch (error) {
        // nothing of the request is logged: only what was refused, and by whom
        logger.warn("rpc refused: request over bounds", {
          method: req.method.name,
          code: Code[Code.InvalidArgument],
          error: (error as Error).message,
          ...(namespacedName !== undefined && { namespacedName }),
        });
        throw error;
      }
    }
    const containerId =
      typeof message?.containerId === "string" ? truncateForLog(message.containerId, maxLoggedContainerIdLength) : undefined;
    const child = logger.child({
      method: req.method.name,
      ...(containerId !== undefined && { containerId }),
      ...(namespacedName !== undefined && { namespacedName }),
    });
    req.contextValues.set(requestLoggerKey, child);
    try {
      const res = await next(req);
      child.debug("rpc done", { code: "OK", durationMs: Math.round(performance.now() - started) });
      return res;
    } catch (error) {
      const connectError = toConnectError(error);
      child.error("rpc failed", {
        code: Code[connectError.code],
        error: connectError.rawMessage,
        durationMs: Math.round(performance.now() - started),
      });
      throw connectError;
    }
  };
}
