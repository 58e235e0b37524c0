// Tests of charts/faultline: lint, rendering with default and non-default values, server-side dry
// runs against the local cluster's API server, and certificate reuse across real upgrades.
// Run through tools/chart-test/test.sh, which puts helm and kubectl on PATH and sets KUBECONFIG.
// Prints one line per check and ends with "N passed, N failed".
//   --static   only the checks that need no cluster (lint, render, schema)
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
// `yaml` is in node_modules through nx; the root package.json should list it (devDependencies)
import { parseAllDocuments } from "yaml";

const loadAllYaml = (text) => parseAllDocuments(text).map((doc) => doc.toJS());

const repo = fileURLToPath(new URL("../..", import.meta.url));
const chart = `${repo}charts/faultline`;
const staticOnly = process.argv.includes("--static");

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(err?.stderr || err?.message || err).trim().replaceAll("\n", "\n     ")}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}
const run = (cmd, args, input) =>
  execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 << 20 });
const helm = (...args) => run("helm", args);
const kubectl = (args, input) => run("kubectl", args, input);
const setArgs = (sets) => Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`]);

/** Renders the chart; returns its objects (CRDs included). */
function render(sets = {}, { namespace = "faultline", release = "fl", extra = [] } = {}) {
  const out = helm("template", release, chart, "-n", namespace, "--include-crds", ...setArgs(sets), ...extra);
  return loadAllYaml(out).filter(Boolean);
}
const find = (objs, kind, suffix = "") => objs.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
const container = (workload) => workload.spec.template.spec.containers[0];
const b64 = (s) => Buffer.from(s, "base64").toString("utf8");

// The scenarios rendered, linted and dry-run against the API server.
const scenarios = {
  default: {},
  "cert-manager": { "tls.certManager.enabled": true },
  "cert-manager with an existing ClusterIssuer": {
    "tls.certManager.enabled": true,
    "tls.certManager.issuerRef.name": "corp-ca",
    "tls.certManager.issuerRef.kind": "ClusterIssuer",
  },
  "capabilities-only daemon": { "daemon.privileged": false },
  "namespace filter": { "manager.namespaceFilter": true },
  "mTLS off": { "tls.enabled": false },
  "two replicas, every runtime socket, local cluster's containerd": {
    "manager.replicas": 2,
    "daemon.runtimeSockets.containerd": "/work/main/.cluster/runtime/containerd.sock",
    "daemon.runtimeSockets.crio": "/var/run/crio/crio.sock",
    "daemon.runtimeSockets.docker": "/var/run/docker.sock",
    "manager.image.pullPolicy": "Never",
  },
  "dashboard with an Ingress under a path prefix": {
    "dashboard.enabled": true,
    "dashboard.ingress.enabled": true,
    "dashboard.ingress.host": "chaos.example.com",
    "dashboard.ingress.path": "/faultline",
  },
};

// ---------------------------------------------------------------- static: no cluster needed
await check("chart CRDs are libs/api/crds (tools/chart-test/sync-crds.sh --check)", () => {
  run("bash", [`${repo}tools/chart-test/sync-crds.sh`, "--check"]);
});

for (const [name, sets] of Object.entries(scenarios)) {
  await check(`helm lint --strict (${name})`, () => {
    const out = helm("lint", "--strict", chart, ...setArgs(sets));
    assert(!/\[(WARNING|ERROR)\]/.test(out), out);
  });
}

await check("default render: the manager Deployment", () => {
  const objs = render();
  const d = find(objs, "Deployment", "-manager");
  const c = container(d);
  equal(d.spec.replicas, 1, "replicas");
  equal(c.image, "docker.io/faultline/manager:0.1.0", "image");
  equal(c.imagePullPolicy, "IfNotPresent", "pull policy");
  for (const arg of ["--namespace=faultline", "--daemon-service=chaos-daemon", "--leader-elect=true", "--lease-name=faultline-manager",
    "--namespace-filter=false", "--qps=30", "--burst=50", "--kill-switch-qps=300", "--kill-switch-burst=600", "--http-port=10080", "--sweep-interval-seconds=60", "--status-interval-seconds=30",
    "--tls-cert=/etc/faultline/tls/tls.crt", "--tls-key=/etc/faultline/tls/tls.key", "--tls-ca=/etc/faultline/tls/ca.crt"]) {
    assert(c.args.includes(arg), `manager args lack ${arg}: ${c.args.join(" ")}`);
  }
  equal(c.livenessProbe.httpGet.path, "/healthz", "liveness");
  equal(c.readinessProbe.httpGet.path, "/readyz", "readiness");
  equal(c.ports[0].containerPort, 10080, "http port");
  const pod = d.spec.template.spec;
  equal([pod.securityContext.runAsNonRoot, pod.securityContext.runAsUser], [true, 65532], "pod securityContext");
  equal([c.securityContext.allowPrivilegeEscalation, c.securityContext.readOnlyRootFilesystem, c.securityContext.capabilities.drop],
    [false, true, ["ALL"]], "container securityContext");
  assert(c.resources.requests && c.resources.limits, "resources");
  equal(pod.volumes[0].secret.secretName, "fl-faultline-manager-tls", "manager TLS Secret");
});

await check("default render: the daemon DaemonSet and the headless Service chaos-daemon", () => {
  const objs = render();
  const ds = find(objs, "DaemonSet", "-daemon");
  const pod = ds.spec.template.spec;
  const c = container(ds);
  equal(pod.hostPID, true, "hostPID");
  equal(c.securityContext.privileged, true, "privileged");
  equal(pod.tolerations, [{ operator: "Exists" }], "tolerations");
  equal(pod.automountServiceAccountToken, false, "no API token in the daemon");
  equal(c.ports.map((p) => [p.name, p.containerPort]), [["grpc", 31767], ["http", 31766]], "ports");
  assert(c.args.includes("--containerd-socket=/host-sockets/containerd/containerd.sock"), `args: ${c.args}`);
  equal(pod.volumes.find((v) => v.name === "containerd-socket").hostPath, { path: "/run/containerd", type: "DirectoryOrCreate" }, "socket dir");
  equal(c.env.find((e) => e.name === "FAULTLINE_DAEMON_NODE_NAME")?.valueFrom, { fieldRef: { fieldPath: "spec.nodeName" } }, "node name for the kubelet lookup");
  // StressChaos joins target containers' cgroups: the host's cgroup tree over the container's own
  equal(pod.volumes.find((v) => v.name === "host-cgroup").hostPath, { path: "/sys/fs/cgroup", type: "Directory" }, "host cgroup tree");
  equal(pod.containers[0].volumeMounts.find((m) => m.name === "host-cgroup").mountPath, "/sys/fs/cgroup", "host cgroup mount");
  equal(pod.volumes.find((v) => v.secret).secret.secretName, "fl-faultline-daemon-tls", "daemon TLS Secret");
  equal(c.imagePullPolicy, "IfNotPresent", "pull policy");
  const svc = find(objs, "Service");
  equal(svc.metadata.name, "chaos-daemon", "Service name");
  equal(svc.spec.clusterIP, "None", "headless");
  equal(svc.spec.ports, [{ name: "grpc", port: 31767, targetPort: "grpc", protocol: "TCP" }], "Service ports");
  equal(svc.spec.selector, ds.spec.selector.matchLabels, "Service selects the daemons");
  const manager = find(objs, "Deployment", "-manager");
  assert(!JSON.stringify(manager.spec.selector.matchLabels).includes("daemon"), "manager selector is the manager's");
});

await check("default render: least-privilege RBAC (ClusterRole for chaos objects and reads, Role for leases and EndpointSlices)", () => {
  const objs = render();
  const crdPlurals = objs.filter((o) => o.kind === "CustomResourceDefinition" && o.spec.group === "chaos-mesh.org").map((o) => o.spec.names.plural).sort();
  assert(crdPlurals.length > 0, "no CRDs rendered");
  equal(find(objs, "ClusterRole", "-manager").rules, [
    { apiGroups: ["chaos-mesh.org"], resources: crdPlurals, verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    { apiGroups: ["chaos-mesh.org"], resources: crdPlurals.map((p) => `${p}/status`), verbs: ["update", "patch"] },
    { apiGroups: ["faultline.chaos-mesh.org"], resources: ["killswitches"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["faultline.chaos-mesh.org"], resources: ["killswitches/status"], verbs: ["update", "patch"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete", "patch"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["list"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
  ], "ClusterRole rules (no namespaces without the namespace filter)");
  equal(find(render({ "manager.namespaceFilter": "true" }), "ClusterRole", "-manager").rules.at(-1), { apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }, "namespaces get with the filter");
  const role = find(objs, "Role", "-manager");
  equal(role.metadata.namespace, "faultline", "Role namespace");
  equal(role.rules, [
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["faultline-status"], verbs: ["get", "list", "watch", "patch"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
    { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["fl-faultline-manager"], verbs: ["get"] },
  ], "Role rules");
  const managerArgs = container(find(objs, "Deployment", "-manager")).args;
  assert(managerArgs.includes("--lease-owner-deployment=fl-faultline-manager"), `the Lease is owned by the manager's Deployment: ${managerArgs}`);
  const sa = find(objs, "Deployment", "-manager").spec.template.spec.serviceAccountName;
  equal(find(objs, "ClusterRole", "-kill-switch").rules, [
    { apiGroups: ["faultline.chaos-mesh.org"], resources: ["killswitches"], verbs: ["create"] },
    { apiGroups: ["faultline.chaos-mesh.org"], resources: ["killswitches"], verbs: ["list", "watch"] },
    { apiGroups: ["faultline.chaos-mesh.org"], resources: ["killswitches"], resourceNames: ["cluster"], verbs: ["get", "patch", "update"] },
  ], "the kill-switch ClusterRole grants exactly flipping killswitch/cluster, and kubectl get killswitch");
  assert(!objs.some((o) => o.kind === "KillSwitch"), "the chart never creates the KillSwitch (a helm upgrade must not turn it off)");
  const statusReader = [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["faultline-status"], verbs: ["get", "watch", "patch"] }];
  equal(find(objs, "Role", "-status-reader").rules, statusReader, "the status-reader Role reads, watches and annotates faultline-status only");
  equal(find(objs, "Role", "-status-reader").metadata.namespace, "faultline", "the status-reader Role's namespace");
  equal(find(objs, "ClusterRole", "-status-reader").rules, statusReader, "the status-reader ClusterRole: the same rules");
  for (const kind of ["ClusterRoleBinding", "RoleBinding"]) {
    equal(find(objs, kind).subjects, [{ kind: "ServiceAccount", name: sa, namespace: "faultline" }], `${kind} subjects`);
  }
  assert(!objs.some((o) => o.kind.includes("Role") && JSON.stringify(o).includes("daemon")), "the daemon gets no RBAC");
});

await check("default render: generated CA, daemon server cert (SAN chaos-daemon.chaos-mesh.org), manager client cert, one checksum on both pods", () => {
  const objs = render();
  const secret = (suffix) => find(objs, "Secret", suffix).data;
  const ca = new X509Certificate(b64(secret("-ca")["tls.crt"]));
  assert(ca.ca, "CA certificate is not a CA");
  const daemon = secret("-daemon-tls");
  const manager = secret("-manager-tls");
  equal(b64(daemon["ca.crt"]), ca.toString(), "daemon Secret's CA");
  equal(b64(manager["ca.crt"]), ca.toString(), "manager Secret's CA");
  const daemonCert = new X509Certificate(b64(daemon["tls.crt"]));
  const managerCert = new X509Certificate(b64(manager["tls.crt"]));
  assert(daemonCert.verify(ca.publicKey) && daemonCert.checkIssued(ca), "daemon cert not signed by the CA");
  assert(managerCert.verify(ca.publicKey) && managerCert.checkIssued(ca), "manager cert not signed by the CA");
  assert(daemonCert.checkHost("chaos-daemon.chaos-mesh.org"), `daemon cert SAN: ${daemonCert.subjectAltName}`);
  assert(daemonCert.keyUsage.includes("1.3.6.1.5.5.7.3.1"), "daemon cert lacks serverAuth");
  assert(managerCert.keyUsage.includes("1.3.6.1.5.5.7.3.2"), "manager cert lacks clientAuth");
  const sums = ["-manager", "-daemon"].map((s) =>
    find(objs, s === "-manager" ? "Deployment" : "DaemonSet", s).spec.template.metadata.annotations["checksum/tls"]);
  assert(/^[0-9a-f]{64}$/.test(sums[0]), `checksum ${sums[0]}`);
  equal(sums[1], sums[0], "daemon and manager checksum/tls");
});

await check("default render: the daemons serve only the manager's certificate name (--tls-client-name), which the daemon's own certificate does not carry", () => {
  const objs = render();
  const args = container(find(objs, "DaemonSet", "-daemon")).args;
  equal(args.filter((a) => a.startsWith("--tls-client-name=")), ["--tls-client-name=faultline-manager"], "daemon --tls-client-name");
  equal(args.filter((a) => a.startsWith("--injection-lease-seconds=")), ["--injection-lease-seconds=300"], "daemon --injection-lease-seconds");
  const cert = (suffix) => new X509Certificate(b64(find(objs, "Secret", suffix).data["tls.crt"]));
  equal(cert("-manager-tls").subject, "CN=faultline-manager", "manager certificate subject");
  // Helm's genSignedCert gives the daemon's certificate clientAuth too: the name check is what refuses it
  equal(cert("-daemon-tls").subject, "CN=chaos-daemon.chaos-mesh.org", "daemon certificate subject");
  assert(!`${cert("-daemon-tls").subjectAltName}`.includes("faultline-manager"), `daemon SANs: ${cert("-daemon-tls").subjectAltName}`);
});

await check("cert-manager: the daemon's certificate is server auth only, the manager's client auth only, named as the daemons' --tls-client-name", () => {
  const objs = render(scenarios["cert-manager"]);
  const cert = (suffix) => find(objs, "Certificate", suffix).spec;
  equal(cert("-daemon").usages.filter((u) => u.endsWith(" auth")), ["server auth"], "daemon usages");
  equal(cert("-manager").usages.filter((u) => u.endsWith(" auth")), ["client auth"], "manager usages");
  assert(container(find(objs, "DaemonSet")).args.includes(`--tls-client-name=${cert("-manager").commonName}`), "daemon flag = manager commonName");
});

await check("NetworkPolicy (on by default): only the manager's pods reach the daemons' gRPC port 31767; 31766 open; off with daemon.networkPolicy.enabled=false", () => {
  const objs = render();
  const np = find(objs, "NetworkPolicy", "-daemon");
  assert(np, "no NetworkPolicy rendered");
  const ds = find(objs, "DaemonSet", "-daemon");
  const manager = find(objs, "Deployment", "-manager");
  equal(np.spec.podSelector.matchLabels, ds.spec.selector.matchLabels, "selects the daemons");
  equal(np.spec.policyTypes, ["Ingress"], "policyTypes");
  const [grpc, http] = np.spec.ingress;
  equal(grpc.ports, [{ port: 31767, protocol: "TCP" }], "gRPC rule port");
  equal(grpc.from, [{ podSelector: { matchLabels: manager.spec.selector.matchLabels } }], "gRPC rule peers: the manager's pods");
  const podLabels = manager.spec.template.metadata.labels;
  assert(Object.entries(grpc.from[0].podSelector.matchLabels).every(([k, v]) => podLabels[k] === v), "manager pods carry the peer labels");
  assert(!Object.entries(grpc.from[0].podSelector.matchLabels).every(([k, v]) => ds.spec.template.metadata.labels[k] === v), "daemon pods match the peer");
  equal(http, { ports: [{ port: 31766, protocol: "TCP" }] }, "HTTP rule");
  equal(np.spec.ingress.length, 2, "rules");
  assert(!render({ "daemon.networkPolicy.enabled": false }).some((o) => o.kind === "NetworkPolicy"), "rendered when disabled");
});

await check("cert-manager: Issuers and Certificates into the same Secret names, no chart-made Secrets, no checksum", () => {
  const objs = render(scenarios["cert-manager"]);
  assert(!objs.some((o) => o.kind === "Secret"), "Secrets rendered");
  const certs = objs.filter((o) => o.kind === "Certificate");
  equal(certs.map((c) => c.apiVersion), ["cert-manager.io/v1", "cert-manager.io/v1", "cert-manager.io/v1"], "apiVersions");
  const ca = certs.find((c) => c.spec.isCA);
  const daemon = certs.find((c) => c.metadata.name.endsWith("-daemon"));
  const manager = certs.find((c) => c.metadata.name.endsWith("-manager"));
  equal(daemon.spec.dnsNames, ["chaos-daemon.chaos-mesh.org"], "daemon dnsNames");
  assert(daemon.spec.usages.includes("server auth") && manager.spec.usages.includes("client auth"), "usages");
  equal(daemon.spec.issuerRef, { group: "cert-manager.io", kind: "Issuer", name: "fl-faultline-ca" }, "leaf issuer");
  const caIssuer = objs.find((o) => o.kind === "Issuer" && o.spec.ca);
  equal(caIssuer.spec.ca.secretName, ca.spec.secretName, "CA Issuer's Secret");
  const ds = find(objs, "DaemonSet");
  const dep = find(objs, "Deployment");
  equal(ds.spec.template.spec.volumes.find((v) => v.secret).secret.secretName, daemon.spec.secretName, "daemon mounts its Certificate's Secret");
  equal(dep.spec.template.spec.volumes.find((v) => v.secret).secret.secretName, manager.spec.secretName, "manager mounts its Certificate's Secret");
  assert(!dep.spec.template.metadata.annotations?.["checksum/tls"], "checksum annotation with cert-manager");
  const existing = render(scenarios["cert-manager with an existing ClusterIssuer"]);
  assert(!existing.some((o) => o.kind === "Issuer"), "Issuers rendered although issuerRef is set");
  equal(find(existing, "Certificate", "-daemon").spec.issuerRef, { kind: "ClusterIssuer", name: "corp-ca" }, "issuerRef");
});

await check("capabilities-only daemon: not privileged, only the listed capabilities, seccomp/AppArmor unconfined", () => {
  const sc = container(find(render(scenarios["capabilities-only daemon"]), "DaemonSet")).securityContext;
  equal(sc.privileged, false, "privileged");
  equal(sc.capabilities.drop, ["ALL"], "drop");
  for (const cap of ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"]) assert(sc.capabilities.add.includes(cap), `lacks ${cap}`);
  equal([sc.seccompProfile.type, sc.appArmorProfile.type], ["Unconfined", "Unconfined"], "profiles");
});

await check("protected namespaces: kube-system and the release's namespace by default, the list from values plus the release's namespace", () => {
  const flag = (extra = []) => container(find(render({}, { extra }), "Deployment")).args.filter((a) => a.startsWith("--protected-namespaces="));
  equal(flag(), ["--protected-namespaces=kube-system,faultline"], "default");
  equal(flag(["--set-json", 'manager.protectedNamespaces=["kube-system","payments"]']), ["--protected-namespaces=kube-system,payments,faultline"], "from values");
  equal(flag(["--set-json", "manager.protectedNamespaces=[]"]), ["--protected-namespaces=faultline"], "the release's namespace always");
});

await check("guard rails: guardRails.* become the manager's flags; guardRails.protectedNamespaces used unless manager.protectedNamespaces is set", () => {
  const args = (extra = []) => container(find(render({}, { extra }), "Deployment")).args;
  const guard = (a) => a.filter((x) => /^--(protected-namespaces|max-records|max-namespace-percent)=|^--kind-setting=PodChaos.podDisruptionBudget=/.test(x));
  equal(guard(args()), ["--protected-namespaces=kube-system,faultline", "--max-records=1000", "--max-namespace-percent=100", "--kind-setting=PodChaos.podDisruptionBudget=Wait"], "defaults");
  const set = ["--set-json", 'guardRails={"protectedNamespaces":["payments"],"maxRecords":50,"maxNamespacePercent":30,"podDisruptionBudget":"Skip"}'];
  equal(guard(args(set)), ["--protected-namespaces=payments,faultline", "--max-records=50", "--max-namespace-percent=30", "--kind-setting=PodChaos.podDisruptionBudget=Skip"], "set");
  equal(guard(args([...set, "--set-json", "manager.protectedNamespaces=[]"]))[0], "--protected-namespaces=faultline", "manager.protectedNamespaces wins");
  const refused = spawnSync("helm", ["template", "faultline", chart, "--namespace", "faultline", "--set", "guardRails.podDisruptionBudget=Maybe"], { encoding: "utf8" });
  assert(refused.status !== 0 && /podDisruptionBudget/.test(refused.stderr), `a bad guardRails.podDisruptionBudget is refused naming it: ${refused.stderr}`);
  const rules = find(render(), "ClusterRole", "-manager").rules;
  assert(rules.some((r) => r.resources.includes("pods/eviction") && r.verbs.join() === "create"), "pods/eviction create");
  assert(rules.some((r) => r.apiGroups.includes("policy") && r.resources.includes("poddisruptionbudgets") && r.verbs.join() === "list"), "poddisruptionbudgets list");
});

await check("namespace filter: the manager gets --namespace-filter=true", () => {
  assert(container(find(render(scenarios["namespace filter"]), "Deployment")).args.includes("--namespace-filter=true"), "flag");
});

await check("daemon state on the node: the stressor marker secret in a hostPath /run/faultline, so a restarted daemon container keeps it", () => {
  const daemonSet = find(render(), "DaemonSet");
  const env = container(daemonSet).env.find((e) => e.name === "FAULTLINE_STRESS_MARKER_SECRET_FILE");
  equal(env?.value, "/run/faultline/stress-marker.key", "secret file");
  equal(container(daemonSet).volumeMounts.find((m) => m.name === "node-state")?.mountPath, "/run/faultline", "mount");
  equal(daemonSet.spec.template.spec.volumes.find((v) => v.name === "node-state")?.hostPath, { path: "/run/faultline", type: "DirectoryOrCreate" }, "hostPath");
});

await check("the kill switch's client budget: manager.killSwitch.qps/burst as --kill-switch-qps/--kill-switch-burst; not a whole number ≥ 1 refused", () => {
  const flags = (sets) => container(find(render(sets), "Deployment")).args.filter((a) => a.startsWith("--kill-switch-"));
  equal(flags({ "manager.killSwitch.qps": 500, "manager.killSwitch.burst": 1000 }), ["--kill-switch-qps=500", "--kill-switch-burst=1000"], "from values");
  const refused = spawnSync("helm", ["template", "faultline", chart, "--namespace", "faultline", "--set", "manager.killSwitch.qps=0"], { encoding: "utf8" });
  assert(refused.status !== 0 && /killSwitch/.test(refused.stderr), `qps 0 accepted or not named: ${refused.stderr}`);
});

await check("StatusCheck destinations: the cloud metadata ranges refused by default, the list from values, an empty list refusing none", () => {
  const flag = (extra = []) => container(find(render({}, { extra }), "Deployment")).args.filter((a) => a.startsWith("--status-check-refused-destinations="));
  equal(flag(), ["--status-check-refused-destinations=169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32"], "default");
  equal(flag(["--set-json", 'manager.statusCheck.refusedDestinations=["10.0.0.0/8"]']), ["--status-check-refused-destinations=10.0.0.0/8"], "from values");
  equal(flag(["--set-json", "manager.statusCheck.refusedDestinations=[]"]), ["--status-check-refused-destinations="], "empty");
});

await check("manager process settings: NODE_OPTIONS and MALLOC_ARENA_MAX from values, before extraEnv; unset, left out", () => {
  const env = (sets, extra = []) => container(find(render(sets, { extra }), "Deployment")).env ?? [];
  equal(env({}).map((e) => e.name), ["NODE_OPTIONS", "MALLOC_ARENA_MAX"], "default env");
  assert(/--max-semi-space-size=\d+/.test(env({})[0].value) && /--max-old-space-size=\d+/.test(env({})[0].value), `NODE_OPTIONS ${env({})[0].value}`);
  equal(env({})[1].value, "2", "MALLOC_ARENA_MAX");
  equal(env({ "manager.nodeOptions": "", "manager.mallocArenaMax": "null" }), [], "both unset");
  equal(env({ "manager.mallocArenaMax": "null" }, ["--set-json", 'manager.extraEnv=[{"name":"A","value":"b"}]']).map((e) => e.name), ["NODE_OPTIONS", "A"], "with extraEnv");
});

await check("mTLS off: no Secrets, no TLS flags, no TLS volumes, no checksum", () => {
  const objs = render(scenarios["mTLS off"]);
  assert(!objs.some((o) => o.kind === "Secret" || o.kind === "Certificate"), "TLS objects rendered");
  for (const w of [find(objs, "Deployment"), find(objs, "DaemonSet")]) {
    assert(!container(w).args.some((a) => a.startsWith("--tls-")), `${w.kind} has TLS flags (--tls-client-name included)`);
    assert(!(w.spec.template.spec.volumes ?? []).some((v) => v.secret), `${w.kind} mounts a Secret`);
    assert(!w.spec.template.metadata.annotations?.["checksum/tls"], `${w.kind} has a checksum`);
  }
});

await check("runtime sockets: each set path's directory is mounted and passed as the in-container path", () => {
  const objs = render(scenarios["two replicas, every runtime socket, local cluster's containerd"]);
  const ds = find(objs, "DaemonSet");
  equal(ds.spec.template.spec.volumes.filter((v) => v.hostPath && v.name.endsWith("-socket")).map((v) => v.hostPath.path),
    ["/work/main/.cluster/runtime", "/var/run/crio", "/var/run"], "hostPaths");
  const args = container(ds).args;
  for (const a of ["--containerd-socket=/host-sockets/containerd/containerd.sock", "--crio-socket=/host-sockets/crio/crio.sock",
    "--docker-socket=/host-sockets/docker/docker.sock"]) assert(args.includes(a), `lacks ${a}`);
  equal(find(objs, "Deployment").spec.replicas, 2, "replicas");
  equal(container(find(objs, "Deployment")).imagePullPolicy, "Never", "pull policy is configurable");
});

await check("dashboard.enabled: a Deployment in token mode (--in-cluster, 0.0.0.0:7070, the release namespace), no ServiceAccount token (pod and account), the cluster CA from kube-root-ca.crt, non-root, read-only, no capabilities, probes on api/config", () => {
  const objs = render({ "dashboard.enabled": true });
  const d = find(objs, "Deployment", "-dashboard");
  assert(d, "no dashboard Deployment rendered");
  const pod = d.spec.template.spec;
  const c = container(d);
  equal(c.image, "docker.io/faultline/dashboard:0.1.0", "image");
  equal(c.args, ["--in-cluster", "--host=0.0.0.0", "--port=7070", "--ca-file=/etc/faultline/kube-ca/ca.crt", "--faultline-namespace=faultline"], "args");
  equal(pod.automountServiceAccountToken, false, "the pod mounts no ServiceAccount token");
  equal(pod.serviceAccountName, "fl-faultline-dashboard", "its own ServiceAccount");
  const sa = objs.find((o) => o.kind === "ServiceAccount" && o.metadata.name === pod.serviceAccountName);
  equal(sa?.automountServiceAccountToken, false, "the ServiceAccount's automountServiceAccountToken");
  equal(c.volumeMounts, [{ name: "kube-ca", mountPath: "/etc/faultline/kube-ca", readOnly: true }], "mounts");
  equal(pod.volumes, [{ name: "kube-ca", configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } }], "volumes: the cluster CA only");
  equal([pod.securityContext.runAsNonRoot, pod.securityContext.runAsUser], [true, 65532], "pod securityContext");
  equal([c.securityContext.allowPrivilegeEscalation, c.securityContext.readOnlyRootFilesystem, c.securityContext.capabilities.drop],
    [false, true, ["ALL"]], "container securityContext");
  assert(c.resources.requests?.memory && c.resources.limits?.memory, `resources: ${JSON.stringify(c.resources)}`);
  equal([c.livenessProbe.httpGet, c.readinessProbe.httpGet], [{ path: "/api/config", port: "http" }, { path: "/api/config", port: "http" }], "probes");
  equal(c.ports, [{ name: "http", containerPort: 7070, protocol: "TCP" }], "ports");
  const svc = find(objs, "Service", "-dashboard");
  equal([svc.spec.type, svc.spec.ports], ["ClusterIP", [{ name: "http", port: 7070, targetPort: "http", protocol: "TCP" }]], "Service");
  equal(svc.spec.selector, d.spec.selector.matchLabels, "the Service selects the dashboard");
  const managerLabels = find(objs, "Deployment", "-manager").spec.template.metadata.labels;
  assert(!Object.entries(svc.spec.selector).every(([k, v]) => managerLabels[k] === v), "the dashboard's Service selects the manager");
  // no privilege of its own: no Role, ClusterRole or binding names it or its account
  const rbac = objs.filter((o) => /Role(Binding)?$/.test(o.kind));
  assert(rbac.length > 0, "no RBAC rendered at all (the check would be empty)");
  const named = rbac.filter((o) => JSON.stringify(o).includes("dashboard"));
  equal(named.map((o) => `${o.kind}/${o.metadata.name}`), [], "RBAC objects naming the dashboard");
  assert(!rbac.some((o) => (o.subjects ?? []).some((s) => s.name === pod.serviceAccountName)), "a binding to the dashboard's ServiceAccount");
  assert(!objs.some((o) => o.kind === "Ingress"), "an Ingress without dashboard.ingress.enabled");
  const other = render({ "dashboard.enabled": true, "dashboard.service.port": 80, "dashboard.replicas": 2 }, { namespace: "chaos", release: "faultline" });
  equal(container(find(other, "Deployment", "-dashboard")).args.at(-1), "--faultline-namespace=chaos", "the release namespace");
  equal(find(other, "Service", "-dashboard").metadata.name, "faultline-dashboard", "the Service's name under the README's release");
  equal(find(other, "Service", "-dashboard").spec.ports[0].port, 80, "service.port");
  equal(find(other, "Deployment", "-dashboard").spec.replicas, 2, "replicas");
});

await check("dashboard off by default: no Deployment, Service, ServiceAccount or Ingress of it (ingress.enabled alone renders nothing)", () => {
  for (const objs of [render(), render({ "dashboard.ingress.enabled": true })]) {
    const left = objs.filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === "dashboard" || o.metadata?.name?.includes("dashboard"));
    equal(left.map((o) => `${o.kind}/${o.metadata.name}`), [], "dashboard objects");
  }
});

await check("dashboard Ingress: host, a path prefix, pathType, TLS and className to the Service's http port", () => {
  const objs = render(scenarios["dashboard with an Ingress under a path prefix"], {
    extra: ["--set", "dashboard.ingress.className=nginx", "--set-json", 'dashboard.ingress.tls=[{"secretName":"chaos-tls","hosts":["chaos.example.com"]}]',
      "--set-json", 'dashboard.ingress.annotations={"nginx.ingress.kubernetes.io/rewrite-target":"/$2"}'],
  });
  const ing = find(objs, "Ingress", "-dashboard");
  assert(ing, "no Ingress rendered");
  equal(ing.spec.ingressClassName, "nginx", "className");
  equal(ing.spec.tls, [{ hosts: ["chaos.example.com"], secretName: "chaos-tls" }], "tls");
  equal(ing.metadata.annotations, { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" }, "annotations");
  equal(ing.spec.rules, [{ host: "chaos.example.com", http: { paths: [{ path: "/faultline", pathType: "Prefix",
    backend: { service: { name: find(objs, "Service", "-dashboard").metadata.name, port: { name: "http" } } } }] } }], "rules");
  const anyHost = find(render({ "dashboard.enabled": true, "dashboard.ingress.enabled": true }), "Ingress");
  equal(anyHost.spec.rules[0].host, undefined, "no host: any host");
  const refused = spawnSync("helm", ["template", "faultline", chart, "--set", "dashboard.enabled=true", "--set", "dashboard.ingress.path=faultline"], { encoding: "utf8" });
  assert(refused.status !== 0 && /dashboard.ingress.path|ingress\/path/.test(refused.stderr), `a path without its leading / is refused naming it: ${refused.stderr}`);
});

await check("values that cannot work are refused with a message", () => {
  const refuses = (sets, pattern) => {
    try {
      render(sets);
    } catch (err) {
      assert(pattern.test(err.stderr), `unexpected error for ${JSON.stringify(sets)}: ${err.stderr}`);
      return;
    }
    throw new Error(`rendered with ${JSON.stringify(sets)}`);
  };
  refuses({ "manager.replicas": 2, "manager.leaderElection.enabled": false }, /needs manager.leaderElection.enabled/);
  refuses({ "daemon.runtimeSockets.containerd": "" }, /at least one container runtime socket/);
  refuses({ "daemon.runtimeSockets.containerd": "relative/sock" }, /runtimeSockets\/containerd/);
  refuses({ "manager.image.pullPolicy": "Sometimes" }, /pullPolicy/);
  refuses({ "manager.replica": 2 }, /additional properties 'replica' not allowed/);
});

// ---------------------------------------------------------------- against the cluster's API server
if (!staticOnly) {
  const namespace = `faultline-chart-test-${randomBytes(3).toString("hex")}`;
  const release = `fct${randomBytes(2).toString("hex")}`;
  kubectl(["create", "namespace", namespace]);
  try {
    for (const [name, sets] of Object.entries(scenarios)) {
      const certManager = name.startsWith("cert-manager");
      await check(`kubectl apply --dry-run=server (${name})${certManager ? " — cert-manager.io kinds skipped: no cert-manager CRDs here" : ""}`, () => {
        const objs = render(sets, { namespace, release });
        const items = objs.filter((o) => !o.apiVersion.startsWith("cert-manager.io/"));
        if (certManager) assert(items.length < objs.length, "no cert-manager objects were rendered");
        const res = spawnSync("kubectl", ["apply", "--dry-run=server", "-f", "-"],
          { input: JSON.stringify({ apiVersion: "v1", kind: "List", items }), encoding: "utf8" });
        assert(res.status === 0, res.stderr);
        equal(res.stdout.trim().split("\n").length, items.length, `objects accepted (${res.stdout})`);
        // the API server's warnings (deprecated fields, …); kubectl's own note about objects it did not create is not one
        const warnings = res.stderr.split("\n").filter((l) => l.startsWith("Warning:") && !l.includes("last-applied-configuration"));
        equal(warnings, [], "API server warnings");
      });
    }

    // A real install and upgrades. The workloads are kept from running (no manager replica, a
    // daemon nodeSelector that matches no node) so this needs no images.
    const idle = ["--set", "manager.replicas=0", "--set", "daemon.nodeSelector.faultline-chart-test=none"];
    const secrets = () => Object.fromEntries(["ca", "daemon-tls", "manager-tls"].map((s) => {
      const got = JSON.parse(kubectl(["-n", namespace, "get", "secret", `${release}-faultline-${s}`, "-o", "json"]));
      return [s, Object.fromEntries(Object.entries(got.data).map(([k, v]) => [k, b64(v)]))];
    }));
    const checksums = () => ["deployment", "daemonset"].map((kind) =>
      kubectl(["-n", namespace, "get", kind, "-l", `app.kubernetes.io/instance=${release}`, "-o",
        "jsonpath={.items[0].spec.template.metadata.annotations.checksum/tls}"]));
    let installed;
    await check("helm install (real), then helm upgrade with other values keeps the CA, both certificates and the checksum", () => {
      helm("install", release, chart, "-n", namespace, ...idle);
      installed = { secrets: secrets(), checksums: checksums() };
      equal(installed.checksums[1], installed.checksums[0], "daemon and manager checksums after install");
      helm("upgrade", release, chart, "-n", namespace, ...idle, "--set", "manager.qps=20");
      equal(secrets(), installed.secrets, "Secrets after upgrade");
      equal(checksums(), installed.checksums, "checksums after upgrade");
      // lookup also answers a server-side dry-run render: the same CA as the cluster's
      const rendered = loadAllYaml(helm("template", release, chart, "-n", namespace, "--dry-run=server", ...idle)).filter(Boolean);
      equal(b64(find(rendered, "Secret", "-ca").data["tls.crt"]), installed.secrets.ca["tls.crt"], "CA rendered with --dry-run=server");
    });
    await check("helm upgrade after the manager's Secret was deleted: same CA signs a new client cert; both workloads roll together", () => {
      assert(installed, "install failed");
      kubectl(["-n", namespace, "delete", "secret", `${release}-faultline-manager-tls`]);
      helm("upgrade", release, chart, "-n", namespace, ...idle);
      const now = secrets();
      equal(now.ca, installed.secrets.ca, "CA Secret");
      equal(now["daemon-tls"], installed.secrets["daemon-tls"], "daemon Secret");
      assert(now["manager-tls"]["tls.crt"] !== installed.secrets["manager-tls"]["tls.crt"], "manager cert not regenerated");
      const ca = new X509Certificate(now.ca["tls.crt"]);
      assert(new X509Certificate(now["manager-tls"]["tls.crt"]).checkIssued(ca), "new manager cert not from the CA");
      equal(now["manager-tls"]["ca.crt"], now.ca["tls.crt"], "manager's ca.crt");
      const sums = checksums();
      assert(sums[0] !== installed.checksums[0], "checksum unchanged: pods would keep the old certificate");
      equal(sums[1], sums[0], "daemon and manager checksums");
    });
    await check("helm upgrade after every TLS Secret was deleted: a new CA and new certificates for both sides, both roll", () => {
      assert(installed, "install failed");
      kubectl(["-n", namespace, "delete", "secret", `${release}-faultline-ca`, `${release}-faultline-daemon-tls`, `${release}-faultline-manager-tls`]);
      const before = checksums();
      helm("upgrade", release, chart, "-n", namespace, ...idle);
      const now = secrets();
      assert(now.ca["tls.crt"] !== installed.secrets.ca["tls.crt"], "CA not regenerated");
      const ca = new X509Certificate(now.ca["tls.crt"]);
      for (const s of ["daemon-tls", "manager-tls"]) {
        assert(new X509Certificate(now[s]["tls.crt"]).checkIssued(ca), `${s} not from the new CA`);
        equal(now[s]["ca.crt"], now.ca["tls.crt"], `${s} ca.crt`);
      }
      const sums = checksums();
      assert(sums[0] !== before[0], "checksum unchanged");
      equal(sums[1], sums[0], "daemon and manager checksums");
    });
    await check("dashboard: the install notes give the port-forward to its Service, the sign-in with a token of one's own, and the Ingress address", () => {
      // a namespace with nothing in it (the test's own holds the release installed above)
      const notesNamespace = `${namespace}-notes`;
      const notesOf = (...sets) => helm("install", "faultline", chart, "-n", notesNamespace, "--dry-run=client", ...sets).split("\nNOTES:\n")[1] ?? "";
      const notes = notesOf("--set", "dashboard.enabled=true", "--set", "dashboard.ingress.enabled=true", "--set", "dashboard.ingress.path=/faultline");
      assert(notes.includes(`kubectl -n ${notesNamespace} port-forward svc/faultline-dashboard 7070:7070`), `NOTES: no port-forward line:\n${notes}`);
      assert(notes.includes("kubectl create token") && notes.includes("/faultline/"), `NOTES: no sign-in or Ingress line:\n${notes}`);
      assert(notesOf().includes("mTLS") && !notesOf().includes("dashboard"), "the notes mention the dashboard when it is off");
    });
    await check("helm uninstall removes every object it made (the CRDs stay, as Helm does for crds/)", () => {
      helm("uninstall", release, "-n", namespace, "--wait", "--timeout", "60s");
      const left = kubectl(["get", "secret,serviceaccount,service,deployment,daemonset,role,rolebinding", "-n", namespace,
        "-l", `app.kubernetes.io/instance=${release}`, "-o", "name"]).trim();
      equal(left, "", "namespaced leftovers");
      const clusterLeft = kubectl(["get", "clusterrole,clusterrolebinding", "-l", `app.kubernetes.io/instance=${release}`, "-o", "name"]).trim();
      equal(clusterLeft, "", "cluster-scoped leftovers");
      kubectl(["get", "crd", "helloworldchaos.chaos-mesh.org"]);
    });
  } finally {
    try {
      helm("uninstall", release, "-n", namespace, "--ignore-not-found");
    } catch {}
    kubectl(["delete", "namespace", namespace, "--wait=false"]);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
