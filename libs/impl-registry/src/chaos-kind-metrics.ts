import { Counter, Histogram, type Registry } from "prom-client";
import type { ChaosImpl } from "./chaos-impl.js";
import type { ChaosKind } from "./chaos-kind.js";
import type { ChaosObject } from "./chaos-object.js";

/**
 * Wraps a kind's impl so every apply and recover is counted and timed:
 * `faultline_manager_record_operations_total{kind,operation,result}` and
 * `faultline_manager_record_operation_duration_seconds{kind,operation,result}` (result is
 * "succeeded" or "failed"). Returns a new kind; the original is unchanged.
 *
 * @example
 * const metrics = createChaosKindMetrics(promRegistry);
 * const kinds = new ChaosKindRegistry().register(helloWorldChaos, deps, (kind) => metrics.instrument(kind));
 */
export function createChaosKindMetrics(registry: Registry): {
  instrument<T extends ChaosObject>(kind: ChaosKind<T>): ChaosKind<T>;
} {
  const total = new Counter({
    name: "faultline_manager_record_operations_total",
    help: "Apply and recover calls of chaos kinds, per record, by kind, operation and result",
    labelNames: ["kind", "operation", "result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "faultline_manager_record_operation_duration_seconds",
    help: "Latency of apply and recover calls, by kind, operation and result",
    labelNames: ["kind", "operation", "result"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    instrument<T extends ChaosObject>(kind: ChaosKind<T>): ChaosKind<T> {
      const timed =
        (operation: "apply" | "recover", call: ChaosImpl<T>["apply"]): ChaosImpl<T>["apply"] =>
        async (...args) => {
          const end = duration.startTimer({ kind: kind.kind, operation });
          let result = "failed";
          try {
            const phase = await call(...args);
            result = "succeeded";
            return phase;
          } finally {
            total.inc({ kind: kind.kind, operation, result });
            end({ result });
          }
        };
      return {
        ...kind,
        impl: {
          apply: timed("apply", kind.impl.apply.bind(kind.impl)),
          recover: timed("recover", kind.impl.recover.bind(kind.impl)),
          ...(kind.impl.lostInjections && { lostInjections: kind.impl.lostInjections.bind(kind.impl) }),
          ...(kind.impl.sweep && { sweep: kind.impl.sweep.bind(kind.impl) }),
          ...(kind.impl.plan && { plan: kind.impl.plan.bind(kind.impl) }),
          ...(kind.impl.waveParallelism && { waveParallelism: kind.impl.waveParallelism.bind(kind.impl) }),
        },
      };
    },
  };
}
