// The soak's create → every record Injected → delete → gone cycle, shared by the two ways the soak
// runs the manager (tools/bench/manager-soak.mjs: a process in a memory cgroup; manager-soak-chart.mjs:
// the chart's pod). `sample(label)` is called before the first cycle and after every `every` cycles.
const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** One gauge's value from a Prometheus text exposition (NaN when absent). */
export function metricValue(text, name) {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : NaN;
}

/**
 * Runs `cycles` cycles of a HelloWorldChaos (mode all) over the pods labelled `labels` in `namespace`,
 * each ending when its object is gone. `alive()` throws when the manager under test is gone.
 * Answers the seconds the cycles took.
 */
export async function runSoakCycles({ custom, namespace, labels, targets, cycles, every = 10, sample, alive, prefix = "soak" }) {
  await sample("start");
  const t0 = performance.now();
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const name = `${prefix}-${cycle}`;
    await custom.createNamespacedCustomObject({
      ...resource,
      namespace,
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "HelloWorldChaos",
        metadata: { name },
        spec: { selector: { namespaces: [namespace], labelSelectors: labels }, mode: "all" },
      },
    });
    for (;;) {
      const obj = await custom.getNamespacedCustomObject({ ...resource, namespace, name });
      const records = obj.status?.experiment?.containerRecords ?? [];
      if (records.length === targets && records.every((r) => r.phase === "Injected")) break;
      await alive(cycle);
      await sleep(50);
    }
    await custom.deleteNamespacedCustomObject({ ...resource, namespace, name });
    for (;;) {
      try {
        await custom.getNamespacedCustomObject({ ...resource, namespace, name });
      } catch (error) {
        if (error.code === 404) break;
        throw error;
      }
      await alive(cycle);
      await sleep(50);
    }
    if (cycle % every === 0) await sample(`cycle ${cycle}`);
  }
  return (performance.now() - t0) / 1000;
}
