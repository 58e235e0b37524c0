// The demo on a real local cluster: a busybox Deployment run by the cluster's kubelet, the daemon on
// that node's containerd, the manager (both as local processes). First the seed's HelloWorldChaos
// (the manager's and the daemon's log lines show each container's process list), then a PodChaos
// pod-kill (a pod deleted and replaced by its ReplicaSet), then a NetworkChaos partition (a request
// from one pod to another works, stops under the partition, works again after its deletion), then a
// DNSChaos (a lookup through the demo's own DNS server fails with SERVFAIL while another name still
// resolves, and works again once the DNSChaos is deleted), then an HTTPChaos (web's answer replaced,
// then web's own again), then a TimeChaos (web's clock, as its answers' Date shows it, two hours back,
// then right again), then an IOChaos (writes to a pod's volume slow, then fast again), then a Workflow (StressChaos → Suspend → NetworkChaos, each recovered at its deadline) and a Schedule
// (a HelloWorldChaos every 5 seconds).
// Removes what it created (the cluster stays up for the next run): the chaos objects while the
// manager runs, so it recovers every fault, then the namespace, waiting until the cluster's
// namespace controller has deleted everything in it (a second run finds nothing of the first).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { applyChaosCrds, deleteChaosObjects, deleteTestNamespace, deployBusybox, localCluster, objectsInNamespace, startAppProcess, startDnsZoneServer } from "@faultline/test-ground";

const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const namespace = "busybox";
const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (text) => console.log(`\n[demo] ${text}`);
const show = (who, l) => {
  const { timestamp, level, message, logger, ...fields } = l;
  console.log(`  [${who}] ${timestamp} ${String(level).toUpperCase()} ${logger ? `${logger} ` : ""}${message} ${JSON.stringify(fields)}`);
};

const startedAt = Date.now();
const dir = mkdtempSync(join(tmpdir(), "faultline-demo-"));
const daemonSocket = join(dir, "daemon.sock");
let daemon;
let manager;
let dnsZone;
say("connecting to the local cluster (run.sh brought it up)");
const cluster = await localCluster("full");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
try {
  await applyChaosCrds(cluster.kubeConfig);
  await deleteTestNamespace(cluster.kubeConfig, namespace); // an interrupted run's leftovers, if any
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  say("deploying busybox (2 replicas) and waiting for its pods to run");
  const pods = await deployBusybox(cluster.kubeConfig, namespace, { replicas: 2 });
  for (const p of pods) console.log(`  ${p.metadata.name} on ${p.spec.nodeName}: ${p.status.containerStatuses[0].containerID}`);

  say("starting the daemon (on the node's containerd) and the manager");
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", daemonSocket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", cluster.containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );
  manager = await startAppProcess(
    managerMain,
    ["--kubeconfig", cluster.kubeconfigPath, "--namespace", namespace, "--daemon-address", `unix:${daemonSocket}`,
      "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"],
    (l) => l.message === "leading: watching chaos kinds",
  );

  say("applying the seed's HelloWorldChaos (selector: namespace busybox, mode: all, duration: 1h)");
  await custom.createNamespacedCustomObject({
    ...group,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name: "busybox-helloworld-chaos" },
      spec: { selector: { namespaces: [namespace] }, mode: "all", duration: "1h" } },
  });
  let status;
  for (let i = 0; i < 150; i++) {
    status = (await custom.getNamespacedCustomObject({ ...group, namespace, name: "busybox-helloworld-chaos" })).status;
    if (status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  say("the manager's log:");
  for (const l of manager.lines.filter((l) => /helloworld chaos/.test(String(l.message)))) show("manager", l);
  say("the daemon's log — each 'cmd output' is one container's own process list, its sleep as PID 1:");
  for (const l of daemon.lines.filter((l) => ["ExecHelloWorldChaos", "build command", "cmd output"].includes(String(l.message)))) show("daemon", l);
  say("status of busybox-helloworld-chaos:");
  console.log(`  conditions: ${status.conditions.map((c) => `${c.type}=${c.status}`).join(", ")}`);
  for (const r of status.experiment.containerRecords) console.log(`  record ${r.id}: ${r.phase} (injected ${r.injectedCount}x)`);

  say("deleting it: the manager recovers each record and removes its finalizer");
  await custom.deleteNamespacedCustomObject({ ...group, namespace, name: "busybox-helloworld-chaos" });
  for (let i = 0; i < 150; i++) {
    const gone = await custom.getNamespacedCustomObject({ ...group, namespace, name: "busybox-helloworld-chaos" }).then(() => false, () => true);
    if (gone) break;
    await sleep(200);
  }
  console.log("  deleted");

  const podGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
  const before = (await core.listNamespacedPod({ namespace, labelSelector: "app=busybox" })).items;
  say(`applying a PodChaos (action: pod-kill, mode: one) to the Deployment's pods: ${before.map((p) => p.metadata.name).join(", ")}`);
  await custom.createNamespacedCustomObject({
    ...podGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name: "pod-kill-example" },
      spec: { action: "pod-kill", mode: "one", selector: { labelSelectors: { app: "busybox" } } } },
  });
  const uids = new Set(before.map((p) => p.metadata.uid));
  let replaced;
  for (let i = 0; i < 300 && !replaced; i++) {
    const now = (await core.listNamespacedPod({ namespace, labelSelector: "app=busybox" })).items;
    const gone = before.filter((p) => !now.some((n) => n.metadata.uid === p.metadata.uid && !n.metadata.deletionTimestamp));
    const fresh = now.filter((p) => !uids.has(p.metadata.uid) && p.status?.phase === "Running");
    if (gone.length > 0 && fresh.length > 0) replaced = { gone: gone[0], fresh: fresh[0] };
    else await sleep(200);
  }
  if (!replaced) throw new Error("no pod was replaced within 60 s");
  for (const l of manager.lines.filter((l) => /pod chaos/.test(String(l.message)))) show("manager", l);
  console.log(`  killed ${replaced.gone.metadata.name}; its ReplicaSet started ${replaced.fresh.metadata.name} (new uid ${replaced.fresh.metadata.uid})`);
  const podStatus = (await custom.getNamespacedCustomObject({ ...podGroup, namespace, name: "pod-kill-example" })).status;
  console.log(`  conditions: ${(podStatus?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(", ")}`);
  await custom.deleteNamespacedCustomObject({ ...podGroup, namespace, name: "pod-kill-example" });

  // NetworkChaos partition: a request from one pod to another works, stops, works again
  const netGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
  say("starting two more pods, each with its own network: web (busybox httpd on :8080) and client");
  const serve = ["sh", "-c", 'mkdir -p /www && echo "hello from $HOSTNAME" > /www/index.html && exec httpd -f -p 8080 -h /www'];
  const netPods = {};
  for (const name of ["web", "client"]) {
    await core.createNamespacedPod({ namespace, body: { metadata: { name, labels: { app: name } }, spec: { terminationGracePeriodSeconds: 0,
      containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: serve }] } } });
  }
  for (let i = 0; i < 300 && Object.keys(netPods).length < 2; i++) {
    for (const name of ["web", "client"]) {
      const p = await core.readNamespacedPod({ namespace, name });
      if (p.status?.phase === "Running" && p.status.podIP && p.status.containerStatuses?.[0]?.state?.running) netPods[name] = p;
    }
    if (Object.keys(netPods).length < 2) await sleep(200);
  }
  if (Object.keys(netPods).length < 2) throw new Error("web and client did not start within 60 s");
  // the host pid of a pod's first container (its containerd task), to enter its namespaces
  const taskPidOf = async (pod) => {
    const id = pod.status.containerStatuses[0].containerID.replace("containerd://", "");
    const { stdout } = await run("ctr", ["--address", cluster.containerdSocket, "-n", "k8s.io", "task", "ls"]);
    return stdout.split("\n").find((l) => l.startsWith(id)).split(/\s+/)[1];
  };
  const clientPid = () => taskPidOf(netPods.client);
  const url = `http://${netPods.web.status.podIP}:8080/`;
  // the client's request for web's page, shown; answers the page, or undefined without an answer
  const request = async () => {
    process.stdout.write(`  client$ wget -q -O - ${url}\n`);
    try {
      const { stdout } = await run("nsenter", ["-t", await clientPid(), "-n", "--", "busybox", "wget", "-q", "-O", "-", url], { timeout: 4000, killSignal: "SIGKILL" });
      console.log(`  ${stdout.trim()}`);
      return stdout.trim();
    } catch {
      console.log("  (no answer within 4 s)");
      return undefined;
    }
  };
  say("the client asks web for its page:");
  await request();
  say("applying a NetworkChaos partition: client → web (action: partition, direction: to, target: app=web)");
  await custom.createNamespacedCustomObject({
    ...netGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name: "partition-client-web" },
      spec: { action: "partition", mode: "all", selector: { labelSelectors: { app: "client" } }, direction: "to",
        target: { mode: "all", selector: { labelSelectors: { app: "web" } } } } },
  });
  let netStatus;
  for (let i = 0; i < 300; i++) {
    netStatus = (await custom.getNamespacedCustomObject({ ...netGroup, namespace, name: "partition-client-web" })).status;
    if (netStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  for (const l of manager.lines.filter((l) => l.message === "Apply NetworkChaos")) show("manager", l);
  for (const r of netStatus?.experiment?.containerRecords ?? []) console.log(`  record ${r.id} (${r.selectorKey === "." ? "selected" : "target"}): ${r.phase}`);
  say("the same request now:");
  await request();
  say("deleting the partition: the manager recovers both pods");
  await custom.deleteNamespacedCustomObject({ ...netGroup, namespace, name: "partition-client-web" });
  for (let i = 0; i < 150; i++) {
    if (await custom.getNamespacedCustomObject({ ...netGroup, namespace, name: "partition-client-web" }).then(() => false, () => true)) break;
    await sleep(200);
  }
  say("and the request again:");
  await request();

  // DNSChaos: a lookup that fails under the experiment (other names still resolve), then works again
  const dnsGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "dnschaos" };
  const gateway = JSON.parse((await run("nsenter", ["-t", await clientPid(), "-n", "--", "ip", "-j", "route", "show", "default"])).stdout)[0].gateway;
  say(`starting a DNS server for example.test on the pod network's gateway ${gateway}:53 (the demo's own; the cluster has no DNS) and a pod "lookup" whose resolv.conf names it`);
  dnsZone = await startDnsZoneServer({ host: gateway, port: 53, zone: { "api.example.test": { A: ["10.89.255.10"] }, "www.example.test": { A: ["10.89.255.11"] } }, ttl: 30 });
  await core.createNamespacedPod({ namespace, body: { metadata: { name: "lookup", labels: { app: "lookup" } }, spec: { terminationGracePeriodSeconds: 0,
    dnsPolicy: "None", dnsConfig: { nameservers: [gateway], searches: ["example.test"], options: [{ name: "ndots", value: "1" }] },
    containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"] }] } } });
  let lookupPod;
  for (let i = 0; i < 300 && !lookupPod; i++) {
    const p = await core.readNamespacedPod({ namespace, name: "lookup" });
    if (p.status?.containerStatuses?.[0]?.state?.running) lookupPod = p;
    else await sleep(200);
  }
  if (!lookupPod) throw new Error("the lookup pod did not start within 60 s");
  const lookupPid = () => taskPidOf(lookupPod);
  // nslookup of the pod's own busybox, in its own mount namespace, so it reads the pod's resolv.conf
  const lookup = async (name) => {
    process.stdout.write(`  lookup$ nslookup ${name}\n`);
    try {
      const { stdout } = await run("nsenter", ["-t", await lookupPid(), "-n", "-m", "--", "nslookup", name], { timeout: 8000, killSignal: "SIGKILL" });
      const address = stdout.split("\n").filter((l) => /^Address: /.test(l)).map((l) => l.replace("Address: ", "").trim()).pop();
      console.log(`  ${name} → ${address}`);
      return address;
    } catch (error) {
      const why = /SERVFAIL|NXDOMAIN|timed out/.exec(`${error.stdout ?? ""}${error.stderr ?? ""}`)?.[0] ?? "failed";
      console.log(`  ${name}: ${why}`);
      return why;
    }
  };
  if ((await lookup("api.example.test")) !== "10.89.255.10") throw new Error("api.example.test did not resolve before the DNSChaos");
  say("applying a DNSChaos (action: error, patterns: [api.example.test]) to the lookup pod");
  await custom.createNamespacedCustomObject({
    ...dnsGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "DNSChaos", metadata: { name: "dns-error-api" },
      spec: { action: "error", mode: "all", patterns: ["api.example.test"], selector: { labelSelectors: { app: "lookup" } } } },
  });
  let dnsStatus;
  for (let i = 0; i < 300; i++) {
    dnsStatus = (await custom.getNamespacedCustomObject({ ...dnsGroup, namespace, name: "dns-error-api" })).status;
    if (dnsStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  for (const r of dnsStatus?.experiment?.containerRecords ?? []) console.log(`  record ${r.id}: ${r.phase}`);
  const failed = await lookup("api.example.test");
  const other = await lookup("www.example.test");
  if (failed !== "SERVFAIL" || other !== "10.89.255.11") throw new Error(`under DNSChaos api.example.test gave ${failed} (want SERVFAIL) and www.example.test ${other} (want 10.89.255.11)`);
  console.log("  DNSChaos: api.example.test fails with SERVFAIL, www.example.test still resolves");
  say("deleting the DNSChaos: the manager recovers the pod's DNS");
  await custom.deleteNamespacedCustomObject({ ...dnsGroup, namespace, name: "dns-error-api" });
  for (let i = 0; i < 150; i++) {
    if (await custom.getNamespacedCustomObject({ ...dnsGroup, namespace, name: "dns-error-api" }).then(() => false, () => true)) break;
    await sleep(200);
  }
  if ((await lookup("api.example.test")) !== "10.89.255.10") throw new Error("api.example.test did not resolve again after the DNSChaos was deleted");
  console.log("  DNSChaos recovered: api.example.test resolves again");

  // HTTPChaos: web's answer replaced on its way out, then web's own again
  const httpGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "httpchaos" };
  say("the client asks web for its page once more:");
  const own = await request();
  say("applying an HTTPChaos to web (target: Response, port: 8080, path: /, replace.body: \"hello from HTTPChaos\")");
  await custom.createNamespacedCustomObject({
    ...httpGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HTTPChaos", metadata: { name: "replace-web-page" },
      spec: { mode: "all", selector: { labelSelectors: { app: "web" } }, target: "Response", port: 8080, path: "/",
        replace: { body: Buffer.from("hello from HTTPChaos\n").toString("base64") } } },
  });
  let httpStatus;
  for (let i = 0; i < 300; i++) {
    httpStatus = (await custom.getNamespacedCustomObject({ ...httpGroup, namespace, name: "replace-web-page" })).status;
    if (httpStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  for (const r of httpStatus?.experiment?.containerRecords ?? []) console.log(`  record ${r.id}: ${r.phase}`);
  const answered = await request();
  if (answered !== "hello from HTTPChaos") throw new Error(`under HTTPChaos web answered ${JSON.stringify(answered)} (want "hello from HTTPChaos")`);
  console.log("  HTTPChaos: web's answer replaced on its way to the client");
  say("deleting the HTTPChaos: the manager recovers web");
  await custom.deleteNamespacedCustomObject({ ...httpGroup, namespace, name: "replace-web-page" });
  for (let i = 0; i < 150; i++) {
    if (await custom.getNamespacedCustomObject({ ...httpGroup, namespace, name: "replace-web-page" }).then(() => false, () => true)) break;
    await sleep(200);
  }
  if ((await request()) !== own) throw new Error("web's own page did not come back after the HTTPChaos was deleted");
  console.log("  HTTPChaos recovered: web answers its own page again");

  // TimeChaos: web's clock, as the Date of its HTTP answers shows it, two hours back, then right again
  const timeGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "timechaos" };
  // the Date header of web's answer (busybox httpd answers each request from a process forked from
  // the one the TimeChaos skewed: a fork inherits the skew), shown beside this machine's clock
  const webClock = async () => {
    const { stderr } = await run("nsenter", ["-t", await clientPid(), "-n", "--", "busybox", "wget", "-S", "-O", "/dev/null", url], { timeout: 4000, killSignal: "SIGKILL" });
    const header = stderr.split("\n").find((l) => /^\s*Date:/i.test(l));
    if (!header) throw new Error(`web's answer has no Date header:\n${stderr}`);
    const date = new Date(header.replace(/^\s*Date:\s*/i, "").trim());
    const hours = (date.getTime() - Date.now()) / 3_600_000;
    console.log(`  web's clock (its answer's Date): ${date.toISOString()}   this machine's: ${new Date().toISOString()}   (${hours >= 0 ? "+" : ""}${hours.toFixed(2)} h)`);
    return hours;
  };
  say("web's clock, as the Date header of its answer shows it:");
  await webClock();
  say("applying a TimeChaos to web (timeOffset: -2h, clockIds: [CLOCK_REALTIME])");
  await custom.createNamespacedCustomObject({
    ...timeGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TimeChaos", metadata: { name: "web-two-hours-back" },
      spec: { mode: "all", selector: { labelSelectors: { app: "web" } }, timeOffset: "-2h", clockIds: ["CLOCK_REALTIME"] } },
  });
  let timeStatus;
  for (let i = 0; i < 300; i++) {
    timeStatus = (await custom.getNamespacedCustomObject({ ...timeGroup, namespace, name: "web-two-hours-back" })).status;
    if (timeStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  for (const r of timeStatus?.experiment?.containerRecords ?? []) console.log(`  record ${r.id}: ${r.phase}`);
  if (!timeStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) {
    throw new Error(`the TimeChaos is not AllInjected after 60 s: ${JSON.stringify(timeStatus, undefined, 2)}`);
  }
  const skewed = await webClock();
  if (Math.abs(skewed + 2) > 0.05) throw new Error(`under the TimeChaos web's clock is ${skewed.toFixed(2)} h off (want -2 h)`);
  console.log("  TimeChaos: web's clock runs two hours behind");
  say("deleting the TimeChaos: the manager recovers web's clock");
  await custom.deleteNamespacedCustomObject({ ...timeGroup, namespace, name: "web-two-hours-back" });
  for (let i = 0; i < 150; i++) {
    if (await custom.getNamespacedCustomObject({ ...timeGroup, namespace, name: "web-two-hours-back" }).then(() => false, () => true)) break;
    await sleep(200);
  }
  if (Math.abs(await webClock()) > 0.05) throw new Error("web's clock did not come back after the TimeChaos was deleted");
  console.log("  TimeChaos recovered: web's clock is right again");

  // IOChaos: writes to a pod's volume slow under the experiment, fast again after it
  const ioGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "iochaos" };
  say("starting a pod with an emptyDir volume at /data (disk)");
  await core.createNamespacedPod({ namespace, body: { metadata: { name: "disk", labels: { app: "disk" } }, spec: { terminationGracePeriodSeconds: 0,
    volumes: [{ name: "data", emptyDir: {} }],
    containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] } } });
  let diskPod;
  for (let i = 0; i < 300 && !diskPod; i++) {
    const p = await core.readNamespacedPod({ namespace, name: "disk" });
    if (p.status?.containerStatuses?.[0]?.state?.running) diskPod = p;
    else await sleep(200);
  }
  if (!diskPod) throw new Error("the disk pod did not start within 60 s");
  const diskPid = await taskPidOf(diskPod);
  // ten 4 KiB writes to /data, in the pod's mount namespace, timed here
  const timedWrite = async () => {
    const started = process.hrtime.bigint();
    await run("nsenter", ["-t", diskPid, "-m", "--", "/bin/busybox", "dd", "if=/dev/zero", "of=/data/demo.bin", "bs=4096", "count=10", "conv=fsync"], { timeout: 60_000 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`  disk$ dd if=/dev/zero of=/data/demo.bin bs=4096 count=10 conv=fsync   took ${seconds.toFixed(2)} s`);
    return seconds;
  };
  say("writing ten 4 KiB blocks to /data:");
  await timedWrite();
  say("applying an IOChaos to disk (action: latency, delay: 100ms, methods: [write], volumePath: /data, path: /data/*)");
  await custom.createNamespacedCustomObject({
    ...ioGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "IOChaos", metadata: { name: "slow-data-writes" },
      spec: { action: "latency", mode: "all", selector: { labelSelectors: { app: "disk" } }, volumePath: "/data", path: "/data/*", delay: "100ms", methods: ["write"], percent: 100 } },
  });
  let ioStatus;
  for (let i = 0; i < 300; i++) {
    ioStatus = (await custom.getNamespacedCustomObject({ ...ioGroup, namespace, name: "slow-data-writes" })).status;
    if (ioStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(200);
  }
  for (const r of ioStatus?.experiment?.containerRecords ?? []) console.log(`  record ${r.id}: ${r.phase}`);
  if (!ioStatus?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) {
    throw new Error(`the IOChaos is not AllInjected after 60 s: ${JSON.stringify(ioStatus, undefined, 2)}`);
  }
  const slow = await timedWrite();
  // ten writes, each held 100 ms: at least a second (a lower bound; the machine's speed does not matter)
  if (slow < 1) throw new Error(`under the IOChaos the ten writes took ${slow.toFixed(2)} s (want at least 1 s)`);
  console.log("  IOChaos: each write to /data waits 100 ms");
  say("deleting the IOChaos: the manager recovers disk's volume");
  await custom.deleteNamespacedCustomObject({ ...ioGroup, namespace, name: "slow-data-writes" });
  for (let i = 0; i < 150; i++) {
    if (await custom.getNamespacedCustomObject({ ...ioGroup, namespace, name: "slow-data-writes" }).then(() => false, () => true)) break;
    await sleep(200);
  }
  const fuseLeft = (await run("cat", [`/proc/${diskPid}/mountinfo`])).stdout.split("\n").filter((l) => / - fuse\./.test(l));
  if (fuseLeft.length > 0) throw new Error(`a FUSE mount is left in the disk pod: ${fuseLeft.join("; ")}`);
  await timedWrite();
  console.log("  IOChaos recovered: /data is the pod's own volume again");

  // Workflow: stress, a pause, then the partition again, each ended (so recovered) at its deadline
  const wfGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "workflows" };
  const nodeGroup = { ...wfGroup, plural: "workflownodes" };
  const stressorsOfClient = async () => {
    const { stdout } = await run("ps", ["-e", "-o", "pidns=,comm="]);
    const ns = (await run("readlink", [`/proc/${await clientPid()}/ns/pid`])).stdout.trim().replace(/^pid:\[(\d+)\]$/, "$1");
    return stdout.split("\n").filter((l) => l.trim().startsWith(ns) && /stress-ng/.test(l)).length;
  };
  say("applying a Workflow: Serial [StressChaos on client (deadline 10s) → Suspend (3s) → NetworkChaos partition client → web (8s)]");
  await custom.createNamespacedCustomObject({
    ...wfGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", metadata: { name: "stress-then-partition" },
      spec: { entry: "entry", templates: [
        { name: "entry", templateType: "Serial", children: ["stress", "pause", "partition"] },
        { name: "stress", templateType: "StressChaos", deadline: "10s",
          stressChaos: { mode: "one", selector: { labelSelectors: { app: "client" } }, stressors: { cpu: { workers: 1, load: 50 } } } },
        { name: "pause", templateType: "Suspend", deadline: "3s" },
        { name: "partition", templateType: "NetworkChaos", deadline: "8s",
          networkChaos: { action: "partition", mode: "all", selector: { labelSelectors: { app: "client" } }, direction: "to",
            target: { mode: "all", selector: { labelSelectors: { app: "web" } } } } },
      ] } },
  });
  const seen = new Set();
  const started = Date.now();
  for (let i = 0; i < 240; i++) {
    const nodes = (await custom.listNamespacedCustomObject({ ...nodeGroup, namespace })).items
      .filter((n) => n.metadata.labels?.["chaos-mesh.org/workflow"] === "stress-then-partition");
    for (const n of nodes) {
      const state = (n.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type).join(",") || "Running";
      const key = `${n.spec.templateName} ${state}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let extra = "";
      if (n.spec.templateName === "stress" && /ChaosInjected/.test(state) && !/Accomplished/.test(state)) {
        await sleep(2000);
        extra = ` — stress-ng processes in client's pid namespace: ${await stressorsOfClient()}`;
      }
      console.log(`  +${((Date.now() - started) / 1000).toFixed(1)}s node ${n.spec.templateName} (${n.spec.type}): ${state}${extra}`);
      if (n.spec.templateName === "partition" && /ChaosInjected/.test(state) && !/Accomplished/.test(state)) {
        await sleep(2000);
        await request();
      }
    }
    const wf = await custom.getNamespacedCustomObject({ ...wfGroup, namespace, name: "stress-then-partition" });
    if (wf.status?.conditions?.some((c) => c.type === "Accomplished" && c.status === "True")) {
      console.log(`  +${((Date.now() - started) / 1000).toFixed(1)}s workflow Accomplished; stress-ng processes left: ${await stressorsOfClient()}`);
      break;
    }
    await sleep(500);
  }
  say("after the workflow, the request once more:");
  await request();
  await custom.deleteNamespacedCustomObject({ ...wfGroup, namespace, name: "stress-then-partition" });

  // Schedule: a HelloWorldChaos every 5 seconds, each run its own object owned by the Schedule
  const schedGroup = { group: "chaos-mesh.org", version: "v1alpha1", plural: "schedules" };
  say("applying a Schedule: HelloWorldChaos on busybox every 5 seconds (schedule: \"@every 5s\"), for 12 seconds");
  await custom.createNamespacedCustomObject({
    ...schedGroup,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "Schedule", metadata: { name: "hello-every-5s" },
      spec: { schedule: "@every 5s", type: "HelloWorldChaos", historyLimit: 2, concurrencyPolicy: "Forbid",
        helloWorldChaos: { mode: "all", selector: { labelSelectors: { app: "busybox" } } } } },
  });
  await sleep(12_000);
  const sched = await custom.getNamespacedCustomObject({ ...schedGroup, namespace, name: "hello-every-5s" });
  const runs = (await custom.listNamespacedCustomObject({ ...group, namespace, labelSelector: "managed-by=hello-every-5s" })).items;
  console.log(`  last run ${sched.status?.time}, next run ${sched.status?.nextTime}; children kept (historyLimit 2): ${runs.map((r) => r.metadata.name).join(", ")}`);
  await custom.deleteNamespacedCustomObject({ ...schedGroup, namespace, name: "hello-every-5s" });
} finally {
  say("cleaning up (the cluster stays up: tools/local-cluster/local-cluster down stops it)");
  // the chaos objects first, while the manager runs: it recovers each one's faults, then lets it go
  if (manager) {
    await deleteChaosObjects(cluster.kubeConfig, namespace).then(
      () => console.log("  chaos objects deleted and recovered by the manager"),
      (error) => {
        console.error(`  ${error.message}`);
        process.exitCode = 1;
      },
    );
  }
  await manager?.stop();
  await daemon?.stop();
  await dnsZone?.close();
  // then the namespace, until the namespace controller has emptied and removed it
  await deleteTestNamespace(cluster.kubeConfig, namespace);
  const left = await objectsInNamespace(cluster.kubeConfig, namespace);
  if (left.length > 0) throw new Error(`objects of namespace ${namespace} left after its deletion: ${left.map((o) => `${o.resource} ${o.name}`).join(", ")}`);
  console.log(`  namespace ${namespace} deleted with everything in it`);
  rmSync(dir, { recursive: true, force: true });
  say(`cleaned up, ${Math.round((Date.now() - startedAt) / 1000)} s after the demo started`);
}
