// Benchmark support: pods that exist only as API objects (Running through their status subresource,
// no container behind them), on a Node object that never reports, for benchmarks of the manager alone.

import { createTestNamespace } from "@faultline/test-ground";

/** Runs `fn` over `items`, `width` at a time. */
export async function inParallel(items, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

// On a full cluster the pod garbage collector deletes pods bound to a node that does not exist, and
// the node lifecycle controller taints one that never reports: a Node object, and pods that
// tolerate its taints.
const tolerations = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({ key, operator: "Exists", effect: "NoExecute" }));

// pods are labelled by chunk of 1,000, so that they can be deleted a chunk per request: one
// deletecollection of 10,000 pods outlasts the API server's 60 s request timeout
const chunkLabel = "faultline.chaos-mesh.org/bench-chunk";
const chunkSize = 1000;

/** Deletes the `count` simulated pods of `namespace`, a chunk of 1,000 per request, without grace. */
export async function deleteSimulatedPods(core, namespace, count) {
  for (let chunk = 0; chunk * chunkSize < count; chunk++) {
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector: `${chunkLabel}=${chunk}`, gracePeriodSeconds: 0 });
  }
}

/** Creates the Node object `node` (labelled with the benchmark's name) unless it exists. */
export async function ensureSimulatedNode(core, node, bench) {
  await core.createNode({ body: { metadata: { name: node, labels: { "faultline.chaos-mesh.org/bench": bench } } } }).catch((error) => {
    if (error.code !== 409) throw error;
  });
}

/**
 * `count` Running pods `sim-<i>` on `node`, one container each with a distinct container id, 32
 * created at a time, a dot on stderr every 500; `labels(i)` and `ip(i)` (optional) per pod.
 * Resolves to their uids, in creation order.
 */
export async function createSimulatedPods(core, namespace, node, count, { labels = () => ({}), ip } = {}) {
  process.stderr.write(`creating ${count} simulated pods in ${namespace} `);
  const uids = [];
  let done = 0;
  await inParallel([...Array(count).keys()], 32, async (i) => {
    const name = `sim-${i}`;
    const pod = await core.createNamespacedPod({
      namespace,
      body: { metadata: { name, labels: { app: "sim", [chunkLabel]: String(Math.floor(i / chunkSize)), ...labels(i) } }, spec: { nodeName: node, tolerations, containers: [{ name: "app", image: "busybox" }] } },
    });
    const address = ip?.(i);
    await core.replaceNamespacedPodStatus({
      namespace,
      name,
      body: {
        ...pod,
        status: {
          phase: "Running",
          ...(address && { podIP: address, podIPs: [{ ip: address }] }),
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [{ name: "app", image: "busybox", imageID: "", ready: true, restartCount: 0, containerID: `containerd://${"0".repeat(56)}${String(i).padStart(8, "0")}`, state: { running: { startedAt: new Date().toISOString() } } }],
        },
      },
    });
    uids.push(pod.metadata.uid);
    if (++done % 500 === 0) process.stderr.write(".");
  });
  process.stderr.write("\n");
  return uids;
}

/**
 * Runs `fn(namespace, uids)` in a fresh test namespace holding `count` simulated pods on `node`
 * (`podOptions` as {@link createSimulatedPods}), then deletes the pods a chunk at a time and the namespace.
 */
export async function withSimulatedPods(kubeConfig, core, node, prefix, count, podOptions, fn) {
  const ns = await createTestNamespace(kubeConfig, prefix);
  try {
    return await fn(ns.name, await createSimulatedPods(core, ns.name, node, count, podOptions));
  } finally {
    await deleteSimulatedPods(core, ns.name, count);
    await ns.remove();
  }
}

/** How many records an experiment's status counts: its records, or (past 1,000, in RecordShards) its counts per phase. */
export const recordCountOf = (experiment) => experiment.containerRecords?.length ?? Object.values(experiment.recordCounts ?? {}).reduce((a, b) => a + b, 0);

/** Resolves once the custom object `ref` ({ group, version, plural, namespace, name }) is gone, polling every `pollMs`. */
export async function untilDeleted(custom, ref, pollMs) {
  while (await custom.getNamespacedCustomObject(ref).then(() => true, () => false)) await new Promise((r) => setTimeout(r, pollMs));
}
