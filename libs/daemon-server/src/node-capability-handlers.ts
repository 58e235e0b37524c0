import { Gauge, type Registry } from "prom-client";
import type { DaemonHandlers } from "./daemon-handler-registry.js";
import { nodeCapabilityFlags, type NodeCapabilityProbe } from "./node-capability-probe.js";
import { requestLogger } from "./request-context.js";

/**
 * GetNodeCapabilities: what this node's kernel and userland can do for chaos, from the daemon's
 * one cached probe (started here, in a throw-away network namespace).
 *
 * @example
 * registry.register("node", nodeCapabilityHandlers(nodeCapabilityProbeFor(runner)));
 */
export function nodeCapabilityHandlers(probe: NodeCapabilityProbe): DaemonHandlers {
  // probe while the daemon starts, so the first call and scrape need not wait (a failure is retried on the next get)
  void probe.get().catch(() => undefined);
  return {
    async getNodeCapabilities(_req, ctx) {
      const caps = await probe.get();
      requestLogger(ctx).info("GetNodeCapabilities", { qdiscs: caps.qdiscs, iptablesBackend: caps.iptablesBackend });
      return caps;
    },
  };
}

/**
 * Exports the probe's answer as `faultline_daemon_node_capability{capability="qdisc/netem"}` 0/1
 * (one series per capability of `nodeCapabilityFlags`), probing on the first scrape if nothing did yet.
 *
 * @example
 * registerNodeCapabilityMetrics(metricsRegistry, nodeCapabilityProbeFor(runner));
 */
export function registerNodeCapabilityMetrics(registry: Registry, probe: NodeCapabilityProbe): void {
  new Gauge({
    name: "faultline_daemon_node_capability",
    help: "What this node can do for chaos (1) or not (0), probed once in a throw-away network namespace",
    labelNames: ["capability"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const caps = await probe.get();
      for (const [capability, present] of nodeCapabilityFlags(caps)) this.set({ capability }, present ? 1 : 0);
    },
  });
}
