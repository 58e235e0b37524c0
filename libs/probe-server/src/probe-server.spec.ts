import net from "node:net";
import { Counter, Registry } from "prom-client";
import { createProbeServer } from "./probe-server.js";

describe("createProbeServer", () => {
  it("answers /healthz, /readyz and /metrics from its callbacks and registry", async () => {
    const metrics = new Registry();
    new Counter({ name: "probe_test_total", help: "test", registers: [metrics] }).inc(3);
    let ready = false;
    const probes = createProbeServer({ metrics, ready: () => ready });
    const port = await probes.listen(0, "127.0.0.1");
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    try {
      expect((await fetch(url("/healthz"))).status).toBe(200);
      expect((await fetch(url("/readyz"))).status).toBe(503);
      ready = true;
      expect((await fetch(url("/readyz"))).status).toBe(200);
      expect(await (await fetch(url("/metrics"))).text()).toContain("probe_test_total 3");
      expect((await fetch(url("/other"))).status).toBe(404);
      expect((await fetch(url("/healthz"), { method: "POST" })).status).toBe(405);
    } finally {
      await probes.close();
    }
  });

  it("says so when its port is in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(createProbeServer({ metrics: new Registry() }).listen(port, "127.0.0.1")).rejects.toThrow(
        `cannot listen on HTTP port ${port}: it is in use`,
      );
    } finally {
      blocker.close();
    }
  });
});
