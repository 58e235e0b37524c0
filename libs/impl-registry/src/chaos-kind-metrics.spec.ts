import { Registry } from "prom-client";
import { kindOf } from "./chaos-kind.js";
import { createChaosKindMetrics } from "./chaos-kind-metrics.js";
import { testCrd, testDeps } from "./testing/kind.test-support.js";

describe("createChaosKindMetrics", () => {
  it("counts and times each apply and recover by kind, operation and result", async () => {
    const registry = new Registry();
    let fail = false;
    const kind = kindOf(
      {
        crd: testCrd("TestChaos"),
        oneShot: false,
        selectorKind: "pod",
        manager: () => ({
          async apply() {
            if (fail) throw new Error("daemon unreachable");
            return "Injected";
          },
          async recover() {
            return "Not Injected";
          },
        }),
      },
      testDeps(),
    );
    const instrumented = createChaosKindMetrics(registry).instrument(kind);
    const ctx = { signal: new AbortController().signal, namespacedName: "ns/t" };
    const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TestChaos", metadata: { name: "t", namespace: "ns" }, spec: {} };
    await expect(instrumented.impl.apply(ctx, 0, [], obj)).resolves.toBe("Injected");
    fail = true;
    await expect(instrumented.impl.apply(ctx, 0, [], obj)).rejects.toThrow("daemon unreachable");
    await instrumented.impl.recover(ctx, 0, [], obj);
    const text = await registry.metrics();
    expect(text).toContain('faultline_manager_record_operations_total{kind="TestChaos",operation="apply",result="succeeded"} 1');
    expect(text).toContain('faultline_manager_record_operations_total{kind="TestChaos",operation="apply",result="failed"} 1');
    expect(text).toContain('faultline_manager_record_operations_total{kind="TestChaos",operation="recover",result="succeeded"} 1');
    expect(text).toMatch(/faultline_manager_record_operation_duration_seconds_count\{kind="TestChaos",operation="apply",result="failed"\} 1/);
    expect(instrumented.kind).toBe("TestChaos");
    expect(kind.impl.apply).not.toBe(instrumented.impl.apply);
  });

  it("keeps the optional hooks: plan, sweep and lostInjections reach the kind's own", async () => {
    const planned = { capable: true, steps: [{ on: "api" as const, note: "planned" }] };
    const kind = kindOf(
      {
        crd: testCrd("TestChaos"),
        oneShot: false,
        selectorKind: "pod",
        manager: () => ({
          apply: async () => "Injected" as const,
          recover: async () => "Not Injected" as const,
          plan: async () => planned,
          sweep: async () => [],
          lostInjections: async () => [1],
        }),
      },
      testDeps(),
    );
    const { impl } = createChaosKindMetrics(new Registry()).instrument(kind);
    const ctx = { signal: new AbortController().signal, namespacedName: "ns/t" };
    const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TestChaos", metadata: { name: "t", namespace: "ns" }, spec: {} };
    await expect(impl.plan?.(ctx, 0, [], obj)).resolves.toBe(planned);
    await expect(impl.lostInjections?.(ctx, [], obj)).resolves.toEqual([1]);
    expect(impl.sweep).toBeDefined();
  });
});
