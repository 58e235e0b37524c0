import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Histogram, type Registry } from "prom-client";

/** Prometheus metrics of the daemon's RPCs, with the interceptor that records them. */
export interface RpcMetrics {
  /** Counts each RPC and times it, labelled by method and gRPC code name ("OK", "NotFound", ...). */
  interceptor: Interceptor;
}

/**
 * Registers `faultline_daemon_rpc_total` and `faultline_daemon_rpc_duration_seconds` on the given
 * prom-client registry.
 *
 * @example
 * const registry = new Registry();
 * const metrics = createRpcMetrics(registry);
 * createDaemonServer({ handlers, logger, interceptors: [metrics.interceptor] });
 */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const total = new Counter({
    name: "faultline_daemon_rpc_total",
    help: "ChaosDaemon RPCs handled, by method and gRPC code",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "faultline_daemon_rpc_duration_seconds",
    help: "ChaosDaemon RPC latency, by method and gRPC code",
    labelNames: ["method", "code"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const interceptor: Interceptor = (next) => async (req) => {
    const end = duration.startTimer({ method: req.method.name });
    let code = "OK";
    try {
      return await next(req);
    } catch (error) {
      code = Code[ConnectError.from(error).code];
      throw error;
    } finally {
      total.inc({ method: req.method.name, code });
      end({ code });
    }
  };
  return { interceptor };
}
