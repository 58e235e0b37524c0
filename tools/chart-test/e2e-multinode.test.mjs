// End to end through the chart on a multi-node local cluster (tools/local-cluster up --nodes N, N ≥ 2):
// installs charts/faultline with the README's `helm install`, and shows that the manager finds the
// daemon of each target pod's own node (the chaos-daemon Service's EndpointSlice):
//   - the DaemonSet runs one daemon per node, each on its own node's containerd (asked of its kubelet);
//   - a HelloWorldChaos over 2 pods per node: every record Injected, and each container's `ps aux`
//     is in the log of the daemon of its own node and of no other;
//   - a `nodes:` selector and a `nodeSelectors:` selector (a label put on one node) pick only that
//     node's pods, handled by that node's daemon;
//   - with the first node's daemon gone (the DaemonSet's affinity excludes the node), a HelloWorldChaos
//     over every pod fails exactly that node's records ("no chaos daemon found for node …") and
//     injects the others.
// Run through tools/chart-test/e2e-multinode.sh (which brings the cluster up and imports the images
// into every node's containerd). Prints one line per check and "N passed, N failed".
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { assert, chartAppVersion, createChecks, json, kubectl, kubectlIn, readmeHelmInstall, releasePods, run, sleep, until } from "./e2e-support.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const chart = `${repo}charts/faultline`;
const targets = `busybox-mn-${randomBytes(3).toString("hex")}`;
const nodeLabel = "e2e.faultline.dev/picked";

const checks = createChecks();
const { check, summary } = checks;

const { installLine, installArgs, release, namespace } = readmeHelmInstall(repo);
const appVersion = chartAppVersion(chart);

// node name → its containerd socket, from `local-cluster status` ("node <name>: Ready (…, containerd <socket>)")
let status = "";
try {
  status = run(`${repo}tools/local-cluster/local-cluster`, ["status"]);
} catch (err) {
  status = String(err.stdout ?? "");
}
const socketOf = new Map(
  [...status.matchAll(/^node (\S+): Ready \(.*containerd (\S+)\)$/gm)].map((m) => [m[1], m[2]]),
);
const nodes = [...socketOf.keys()];

const { podsOf, isReady, logLines } = releasePods(namespace, release);
const daemonOn = (node) => podsOf("daemon").find((p) => p.spec.nodeName === node);
const containerId = (pod) => pod.status.containerStatuses[0].containerID;
const recordId = (pod) => `${targets}/${pod.metadata.name}/busybox`;
// the "cmd output" lines (each a container's own `ps aux`) one experiment caused in a daemon's log, by container id
const psOutputs = (daemonPod, chaosName) =>
  new Map(logLines(daemonPod)
    .filter((l) => l.message === "cmd output" && l.namespacedName === `${targets}/${chaosName}`)
    .map((l) => [l.containerId, String(l.output)]));
const psOfSleep = /^\s*1 root\s+(\S+\s+)?sleep 3600$/m;

function applyChaos(name, selector) {
  kubectlIn(JSON.stringify({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HelloWorldChaos",
    metadata: { name, namespace: targets },
    spec: { selector: { namespaces: [targets], ...selector }, mode: "all", duration: "1h" },
  }), "apply", "-f", "-");
}
const chaosStatus = (name) => json("-n", targets, "get", "helloworldchaos.chaos-mesh.org", name).status;
async function deleteChaos(name) {
  kubectl("-n", targets, "delete", "helloworldchaos.chaos-mesh.org", name, "--wait=false");
  await until(`HelloWorldChaos ${name} gone`, 60_000, () => {
    try {
      kubectl("-n", targets, "get", "helloworldchaos.chaos-mesh.org", name);
      return false;
    } catch (err) {
      if (/NotFound|not found/.test(err.stderr)) return true;
      throw err;
    }
  });
}
// AllInjected, and the records are exactly these pods', each Injected
async function injectedExactly(name, pods) {
  const s = await until(`${name} AllInjected=True`, 90_000, () => {
    const st = chaosStatus(name);
    return st?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") && st;
  });
  const records = s.experiment.containerRecords;
  const want = pods.map(recordId).sort();
  const have = records.map((r) => r.id).sort();
  assert(JSON.stringify(have) === JSON.stringify(want), `records ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
  for (const r of records) assert(r.phase === "Injected", `record ${r.id}: ${JSON.stringify(r)}`);
}
// for one experiment: each pod's container `ps aux` is in the log of its own node's daemon and in no
// other daemon's log; the `none` pods' are in no daemon's log
async function handledByOwnNode(chaosName, pods, none = []) {
  await until("each container's ps output in its own node's daemon log", 30_000, () => {
    const outputs = new Map(nodes.filter(daemonOn).map((n) => [n, psOutputs(daemonOn(n).metadata.name, chaosName)]));
    for (const pod of none) {
      for (const [n, out] of outputs) if (out.has(containerId(pod))) throw new Error(`${pod.metadata.name} (on ${pod.spec.nodeName}) was handled by ${n}'s daemon`);
    }
    for (const pod of pods) {
      const own = outputs.get(pod.spec.nodeName);
      if (!psOfSleep.test(own.get(containerId(pod)) ?? "")) throw new Error(`no ps output for ${pod.metadata.name} in ${pod.spec.nodeName}'s daemon log`);
      for (const [n, out] of outputs) {
        if (n !== pod.spec.nodeName && out.has(containerId(pod))) throw new Error(`${pod.metadata.name} (on ${pod.spec.nodeName}) was handled by ${n}'s daemon too`);
      }
    }
    return true;
  });
}

let busybox = [];
const onNode = (node) => busybox.filter((p) => p.spec.nodeName === node);
try {
  await check(`a cluster of ${nodes.length} Ready nodes (${nodes.join(", ")}), each with the images docker.io/faultline/{manager,daemon}:${appVersion} in its own containerd`, () => {
    assert(nodes.length >= 2, `needs a multi-node cluster (local-cluster up --nodes 3); status:\n${status}`);
    for (const [node, socket] of socketOf) {
      const images = run("ctr", ["-a", socket, "-n", "k8s.io", "images", "ls", "-q"]);
      for (const app of ["manager", "daemon"]) {
        assert(images.includes(`docker.io/faultline/${app}:${appVersion}`), `${node}: docker.io/faultline/${app}:${appVersion} missing in ${socket}`);
      }
    }
  });

  await check(`the README's \`${installLine.trim()}\`: the manager and one daemon per node Ready`, async () => {
    run("helm", ["uninstall", release, "-n", namespace, "--ignore-not-found", "--wait", "--timeout", "120s"]);
    await until(`namespace ${namespace} gone or active (not terminating)`, 180_000, () =>
      kubectl("get", "namespace", namespace, "--ignore-not-found", "-o", "jsonpath={.status.phase}").trim() !== "Terminating");
    run("helm", [...installArgs, "--wait", "--timeout", "240s"]);
    await until("the manager and a daemon on every node Ready", 120_000, () => {
      const manager = podsOf("manager");
      const daemons = podsOf("daemon");
      return manager.length === 1 && daemons.length === nodes.length && [...manager, ...daemons].every(isReady);
    });
    const daemonNodes = podsOf("daemon").map((p) => p.spec.nodeName).sort();
    assert(JSON.stringify(daemonNodes) === JSON.stringify([...nodes].sort()), `daemons on ${daemonNodes}, nodes ${nodes}`);
  });

  await check("each daemon uses its own node's containerd (asked of its node's kubelet)", () => {
    for (const node of nodes) {
      const daemon = daemonOn(node).metadata.name;
      const found = logLines(daemon).find((l) => l.message === "no configured container runtime socket exists; using the one the node's kubelet uses");
      assert(found?.endpoint === `unix://${socketOf.get(node)}`, `${daemon} on ${node} uses ${found?.endpoint}, not unix://${socketOf.get(node)}`);
    }
  });

  await check("the chaos-daemon Service's EndpointSlice names each daemon's node", async () => {
    await until("an endpoint per daemon with its node", 60_000, () => {
      const endpoints = json("-n", namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=chaos-daemon").items.flatMap((s) => s.endpoints ?? []);
      for (const d of podsOf("daemon")) {
        if (!endpoints.some((e) => e.nodeName === d.spec.nodeName && e.addresses.includes(d.status.podIP))) throw new Error(`no endpoint for ${d.metadata.name} on ${d.spec.nodeName}`);
      }
      return true;
    });
  });

  await check(`a busybox Deployment with 2 pods on every node (${2 * nodes.length} replicas, topologySpreadConstraints)`, async () => {
    kubectl("create", "namespace", targets);
    kubectlIn(JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "busybox", namespace: targets },
      spec: {
        replicas: 2 * nodes.length,
        selector: { matchLabels: { app: "busybox" } },
        template: {
          metadata: { labels: { app: "busybox" } },
          spec: {
            terminationGracePeriodSeconds: 0,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "busybox" } } }],
            containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"] }],
          },
        },
      },
    }), "apply", "-f", "-");
    busybox = await until(`${2 * nodes.length} running busybox pods`, 120_000, () => {
      const pods = json("-n", targets, "get", "pods", "-l", "app=busybox").items;
      return pods.length === 2 * nodes.length && pods.every((p) => p.status.phase === "Running" && p.status.containerStatuses?.[0]?.containerID) && pods;
    });
    for (const n of nodes) assert(onNode(n).length === 2, `${onNode(n).length} pods on ${n}`);
  });

  await check("a HelloWorldChaos over every pod: AllInjected, and each record handled by the daemon of its pod's node (its log)", async () => {
    applyChaos("all-nodes", {});
    await injectedExactly("all-nodes", busybox);
    await handledByOwnNode("all-nodes", busybox);
    await deleteChaos("all-nodes");
  });

  const second = nodes[1];
  await check(`a \`nodes: [${second}]\` selector picks only ${second}'s pods, handled by its daemon`, async () => {
    applyChaos("one-node", { nodes: [second] });
    await injectedExactly("one-node", onNode(second));
    await handledByOwnNode("one-node", onNode(second), busybox.filter((p) => p.spec.nodeName !== second));
    await deleteChaos("one-node");
  });

  const last = nodes[nodes.length - 1];
  await check(`a \`nodeSelectors: {${nodeLabel}: "yes"}\` selector (the label on ${last} only) picks only ${last}'s pods`, async () => {
    kubectl("label", "node", last, `${nodeLabel}=yes`, "--overwrite");
    applyChaos("node-selector", { nodeSelectors: { [nodeLabel]: "yes" } });
    await injectedExactly("node-selector", onNode(last));
    await handledByOwnNode("node-selector", onNode(last), busybox.filter((p) => p.spec.nodeName !== last));
    await deleteChaos("node-selector");
  });

  const first = nodes[0];
  await check(`with ${first}'s daemon gone (the DaemonSet's affinity excludes ${first}), only ${first}'s records fail; the others are Injected`, async () => {
    const ds = json("-n", namespace, "get", "daemonsets", "-l", `app.kubernetes.io/instance=${release},app.kubernetes.io/component=daemon`).items[0].metadata.name;
    kubectl("-n", namespace, "patch", "daemonset", ds, "--type=merge", "-p", JSON.stringify({
      spec: { template: { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "NotIn", values: [first] }] }],
      } } } } } },
    }));
    await until(`no daemon on ${first}, a Ready one on every other node, and no endpoint on ${first}`, 120_000, () => {
      const daemons = podsOf("daemon");
      const endpoints = json("-n", namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=chaos-daemon").items.flatMap((s) => s.endpoints ?? []);
      return !daemons.some((p) => p.spec.nodeName === first) && daemons.length === nodes.length - 1 && daemons.every(isReady) &&
        !endpoints.some((e) => e.nodeName === first) && endpoints.length === nodes.length - 1;
    });
    await sleep(11_000); // the manager's locator caches a node's address for 10 s
    applyChaos("one-daemon-down", {});
    const failedOn = (s) => new Set((s.experiment?.containerRecords ?? [])
      .filter((r) => r.events?.some((e) => e.type === "Failed" && e.operation === "Apply" && e.message?.includes(`no chaos daemon found for node ${first}`)))
      .map((r) => r.id));
    const s = await until(`${first}'s records failed, every other record Injected`, 90_000, () => {
      const st = chaosStatus("one-daemon-down");
      const records = st?.experiment?.containerRecords ?? [];
      const failedIds = failedOn(st ?? {});
      return records.length === busybox.length &&
        onNode(first).every((p) => failedIds.has(recordId(p))) &&
        busybox.filter((p) => p.spec.nodeName !== first).every((p) => records.find((r) => r.id === recordId(p))?.phase === "Injected") && st;
    });
    const records = s.experiment.containerRecords;
    for (const p of onNode(first)) {
      const r = records.find((x) => x.id === recordId(p));
      assert(r.phase === "Not Injected", `${r.id} on ${first}: ${JSON.stringify(r)}`);
    }
    for (const r of records.filter((x) => !onNode(first).some((p) => recordId(p) === x.id))) {
      assert(!r.events?.some((e) => e.type === "Failed"), `${r.id} (not on ${first}) failed: ${JSON.stringify(r)}`);
    }
    assert(!s.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"), "AllInjected is True with a node's records failed");
    console.log(`     ${first}: ${onNode(first).length} records failed (${records.find((r) => r.id === recordId(onNode(first)[0])).events.find((e) => e.type === "Failed").message}); ${records.filter((r) => r.phase === "Injected").length} Injected elsewhere`);
    await handledByOwnNode("one-daemon-down", busybox.filter((p) => p.spec.nodeName !== first), onNode(first));
    await deleteChaos("one-daemon-down");
  });

  await check("helm uninstall removes the manager and every daemon", async () => {
    run("helm", ["uninstall", release, "-n", namespace, "--wait", "--timeout", "120s"]);
    await until("no pods of the release", 60_000, () => podsOf("manager").length + podsOf("daemon").length === 0);
  });
} finally {
  if (checks.stopped) {
    for (const component of ["manager", "daemon"]) {
      try {
        for (const p of podsOf(component)) console.log(`--- ${p.metadata.name} on ${p.spec.nodeName} (last 20 lines)\n${kubectl("-n", namespace, "logs", p.metadata.name, "--tail=20")}`);
      } catch {}
    }
  }
  try {
    run("helm", ["uninstall", release, "-n", namespace, "--ignore-not-found", "--wait", "--timeout", "60s"]);
  } catch {}
  for (const name of ["all-nodes", "one-node", "node-selector", "one-daemon-down"]) {
    try {
      kubectl("-n", targets, "patch", "helloworldchaos.chaos-mesh.org", name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}');
    } catch {}
  }
  for (const node of nodes) {
    try {
      kubectl("label", "node", node, `${nodeLabel}-`);
    } catch {}
  }
  for (const ns of [targets, namespace]) {
    try {
      kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
    } catch {}
  }
}
summary();
