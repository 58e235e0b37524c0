import { Counter, Registry } from "prom-client";
import { createProbeServer } from "@faultline/probe-server";

/** Serves probes for a process that becomes ready once `start` resolves; returns what /readyz says before and after. */
export async function probeExample(start: () => Promise<void>): Promise<{ before: number; after: number; metrics: string }> {
  const registry = new Registry();
  const started = new Counter({ name: "example_starts_total", help: "starts", registers: [registry] });
  let ready = false;
  const probes = createProbeServer({ metrics: registry, healthy: () => true, ready: () => ready });
  const port = await probes.listen(0, "127.0.0.1");
  const before = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  await start();
  started.inc();
  ready = true;
  const after = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await probes.close();
  return { before, after, metrics };
}
