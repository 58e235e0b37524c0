// Benchmark support: pods run by the test ground's SimulatedKubelet, with progress on stderr.

/** Runs `count` pods `<prefix>-<i>` labelled `batch: <prefix>` in `namespace`; a dot every 10. */
export async function startPods(kubelet, namespace, prefix, count) {
  process.stderr.write(`starting ${count} pods (${prefix}) `);
  const pods = [];
  for (let i = 0; i < count; i++) {
    pods.push(await kubelet.runPod({ namespace, name: `${prefix}-${i}`, labels: { batch: prefix } }));
    if (i % 10 === 9) process.stderr.write(".");
  }
  process.stderr.write("\n");
  return pods;
}

/** A pod's first container's runtime-prefixed id. */
export const containerIdOf = (pod) => pod.status.containerStatuses[0].containerID;
