import { Code, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "winston";
import { requestLoggerKey } from "./request-context.js";
import { toConnectError } from "./rpc-error-codes.js";

// The `namespaced-name` header: one definition, in @faultline/api, which the manager's pool sends.
export { namespacedNameHeader } from "@faultline/api";
import { namespacedNameHeader } from "@faultline/api";

const maxLoggedHeaderLength = 253 + 1 + 63;

/**
 * The interceptor every daemon RPC passes through: gives the handler a child logger carrying the
 * method, the container id and the caller's `namespaced-name`, logs the request and its outcome,
 * and turns handler failures into ConnectErrors with meaningful codes.
 */
export function requestInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const message = req.stream ? undefined : (req.message as { containerId?: unknown });
    const containerId = typeof message?.containerId === "string" ? message.containerId : undefined;
    const namespacedName = req.header.get(namespacedNameHeader)?.slice(0, maxLoggedHeaderLength);
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
