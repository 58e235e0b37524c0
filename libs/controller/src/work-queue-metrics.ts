import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The Prometheus metrics a {@link WorkQueue} keeps, labelled by the queue's `name`. */
export interface WorkQueueMetrics {
  /** `workqueue_depth`: keys waiting to be processed. */
  depth: Gauge<"name">;
  /** `workqueue_adds_total`: keys added (a key already waiting is counted once). */
  adds: Counter<"name">;
  /** `workqueue_retries_total`: keys put back with backoff after an error. */
  retries: Counter<"name">;
  /** `workqueue_work_duration_seconds`: how long processing one key took. */
  workDuration: Histogram<"name">;
  /** `workqueue_queue_duration_seconds`: how long a key waited before a worker took it. */
  queueDuration: Histogram<"name">;
}

const durationBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * The work-queue metrics in `registry` (controller-runtime's names), created on first use and
 * shared by every queue registered there — each queue writes under its own `name` label.
 */
export function workQueueMetrics(registry: Registry): WorkQueueMetrics {
  const registers = [registry];
  const labelNames = ["name"] as const;
  return {
    depth: metric(registry, "workqueue_depth", () => new Gauge({ name: "workqueue_depth", help: "Current depth of the work queue", labelNames, registers })),
    adds: metric(registry, "workqueue_adds_total", () => new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by the work queue", labelNames, registers })),
    retries: metric(registry, "workqueue_retries_total", () => new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by the work queue", labelNames, registers })),
    workDuration: metric(
      registry,
      "workqueue_work_duration_seconds",
      () => new Histogram({ name: "workqueue_work_duration_seconds", help: "How long processing a key takes, in seconds", labelNames, buckets: durationBuckets, registers }),
    ),
    queueDuration: metric(
      registry,
      "workqueue_queue_duration_seconds",
      () => new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long a key waits in the queue before it is processed, in seconds", labelNames, buckets: durationBuckets, registers }),
    ),
  };
}
