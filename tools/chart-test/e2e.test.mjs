// End to end through the chart: installs charts/faultline into the local cluster with the locally
// built images (docker.io/faultline/{manager,daemon}:<appVersion>, imported into the kubelet's
// containerd), waits for the manager and the daemon to be Ready, runs the seed's HelloWorldChaos
// against a busybox Deployment (its namespace substituted: see below), checks AllInjected and the
// daemon pod's log (each container's own `ps aux`), deletes the experiment and uninstalls.
// Also: the kill switch through the built CLI under a ServiceAccount bound only to the chart's
// <release>-kill-switch ClusterRole (its RBAC promise: on-call without chaos rights stops all chaos).
// And the dashboard (installed with dashboard.enabled=true) in token mode: no token of its own, the
// user's bearer token forwarded, the API server's refusals passed through.
// Run through tools/chart-test/e2e.sh. Prints one line per check and "N passed, N failed".
//
// The release is installed with the README's own `helm install` command (release faultline in
// chaos-mesh); the target namespace carries a random suffix. Note: any other manager running against the cluster at the same time (a test's local
// process) also sees this experiment; the checks below only look at this release's daemon log.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:http2";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { assert, chartAppVersion, createChecks, json, kubectl, kubectlIn, readmeHelmInstall, releasePods, run, sleep, until } from "./e2e-support.mjs";
// the test's own DNS server (DNSChaos): test-ground's dist, which the test targets build before this runs
import { startDnsZoneServer } from "@faultline/test-ground";
// `yaml` is in node_modules through nx; the root package.json should list it (devDependencies)
import { parseAllDocuments } from "yaml";

const execFileAsync = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));
const chart = `${repo}charts/faultline`;
const suffix = randomBytes(3).toString("hex");
const targets = `busybox-e2e-${suffix}`; // the seed's manifest targets "busybox"; here its own namespace
const containerdSocket = process.env.FAULTLINE_CONTAINERD_SOCKET ?? `${repo}.cluster/runtime/containerd.sock`;
const extraValues = process.argv.slice(2); // e.g. --set daemon.privileged=false
// the dashboard is off by default; this run installs it too (its pod starts beside the others)
const dashboardValues = ["--set", "dashboard.enabled=true"];

const checks = createChecks();
const { check, summary } = checks;

// The README's own install command, run as written (plus this run's extra values and --wait): on
// the README's cluster it must work unchanged, with no value saying where containerd's socket is.
const { installLine, installArgs, release, namespace } = readmeHelmInstall(repo);
const { podsOf, isReady, logLines } = releasePods(namespace, release);
const chaos = ["-n", targets, "helloworldchaos.chaos-mesh.org", "busybox-helloworld-chaos"];

const appVersion = chartAppVersion(chart);
/** The host pid of a container of the kubelet's containerd (its task), for entering its namespaces. */
const taskPid = (containerId) => {
  const id = containerId.replace("containerd://", "");
  return run("ctr", ["-a", containerdSocket, "-n", "k8s.io", "task", "ls"]).split("\n").find((l) => l.startsWith(id))?.split(/\s+/)[1];
};
/**
 * SIGKILLs the daemon on `nodeName` (its container's process, from the host: no grace, no SIGTERM
 * first, as a crash or the OOM killer would) and returns a wait for the kubelet to have restarted it
 * and for it to be Ready again.
 */
const killDaemonOn = (nodeName) => {
  const daemon = podsOf("daemon").find((p) => p.spec.nodeName === nodeName);
  const status = daemon.status.containerStatuses[0];
  const pid = Number(taskPid(status.containerID));
  assert(pid > 1, `no host pid for the daemon's container ${status.containerID}`);
  process.kill(pid, "SIGKILL");
  return {
    dead: () => until(`the daemon's process ${pid} gone`, 10_000, () => !existsSync(`/proc/${pid}`)),
    restarted: () => until("the node's daemon restarted by the kubelet and Ready", 120_000, () => {
      const now = json("-n", namespace, "get", "pod", daemon.metadata.name);
      return now.status.containerStatuses[0].restartCount > status.restartCount && isReady(now);
    }),
  };
};
try {
  await check(`the images docker.io/faultline/{manager,daemon,dashboard}:${appVersion} are in the kubelet's containerd`, () => {
    const images = run("ctr", ["-a", containerdSocket, "-n", "k8s.io", "images", "ls", "-q"]);
    for (const app of ["manager", "daemon", "dashboard"]) {
      assert(images.includes(`docker.io/faultline/${app}:${appVersion}`),
        `docker.io/faultline/${app}:${appVersion} missing: build and import it (tools/images)`);
    }
  });

  await check(`the README's \`${installLine.trim()}\` (mTLS on, no socket value; + ${dashboardValues.join(" ")}) and the manager, daemon and dashboard pods become Ready`, async () => {
    // a release a failed earlier run left behind, and the namespace an earlier run is still deleting
    run("helm", ["uninstall", release, "-n", namespace, "--ignore-not-found", "--wait", "--timeout", "120s"]);
    await until(`namespace ${namespace} gone or active (not terminating)`, 180_000, () => {
      const phase = kubectl("get", "namespace", namespace, "--ignore-not-found", "-o", "jsonpath={.status.phase}").trim();
      return phase !== "Terminating";
    });
    const installStarted = Date.now();
    run("helm", [...installArgs, ...extraValues, ...dashboardValues, "--wait", "--timeout", "240s"]);
    const installSeconds = (Date.now() - installStarted) / 1000;
    await until("the manager, the daemon and the dashboard pods Ready", 120_000, () => {
      const manager = podsOf("manager");
      const daemon = podsOf("daemon");
      const dashboard = podsOf("dashboard");
      return manager.length === 1 && daemon.length >= 1 && dashboard.length === 1 && [...manager, ...daemon, ...dashboard].every(isReady);
    });
    // where the time goes: each pod's creation to Ready
    const readyAfter = (pod) => (Date.parse(pod.status.conditions.find((c) => c.type === "Ready").lastTransitionTime) - Date.parse(pod.metadata.creationTimestamp)) / 1000;
    console.log(`     helm install --wait ${installSeconds.toFixed(1)}s; Ready after creation: ${["manager", "daemon", "dashboard"].map((c) => `${c} ${podsOf(c).map(readyAfter).join("/")}s`).join(", ")}`);
    const nodes = json("get", "nodes").items.filter((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
    const daemonNodes = podsOf("daemon").map((p) => p.spec.nodeName);
    for (const n of nodes) assert(daemonNodes.includes(n.metadata.name), `no daemon on Ready node ${n.metadata.name}`);
  });

  await check("the daemon found the cluster's containerd by asking the node's kubelet (its socket is not at the chart's default path)", async () => {
    const found = logLines(podsOf("daemon")[0].metadata.name).find((l) => l.message === "no configured container runtime socket exists; using the one the node's kubelet uses");
    assert(found, "no 'using the one the node's kubelet uses' line in the daemon's log");
    assert(found.endpoint === `unix://${containerdSocket}`, `the daemon uses ${found.endpoint}, not the kubelet's unix://${containerdSocket}`);
  });

  await check("the release's NetworkPolicy (daemon.networkPolicy.enabled, on by default) admits only the manager's pods to 31767", () => {
    const policies = json("-n", namespace, "get", "networkpolicy", "-l", `app.kubernetes.io/instance=${release}`).items;
    assert(policies.length === 1, `NetworkPolicies of the release: ${policies.map((p) => p.metadata.name)}`);
    const [grpc] = policies[0].spec.ingress;
    const managerLabels = podsOf("manager")[0].metadata.labels;
    assert(grpc.ports[0].port === 31767, `first rule's port: ${JSON.stringify(grpc.ports)}`);
    assert(Object.entries(grpc.from[0].podSelector.matchLabels).every(([k, v]) => managerLabels[k] === v), "the manager's pod is not a peer");
    assert(podsOf("daemon").every((p) => Object.entries(policies[0].spec.podSelector.matchLabels).every(([k, v]) => p.metadata.labels[k] === v)), "not every daemon selected");
  });

  await check("the manager leads, and the chaos-daemon Service's EndpointSlice names each daemon's node", async () => {
    const manager = podsOf("manager")[0].metadata.name;
    await until("the manager's 'leading' log line", 60_000, () => logLines(manager).some((l) => l.message === "leading: watching chaos kinds"));
    const slices = json("-n", namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=chaos-daemon").items;
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    for (const d of podsOf("daemon")) {
      assert(endpoints.some((e) => e.nodeName === d.spec.nodeName && e.addresses.includes(d.status.podIP)), `no endpoint for ${d.metadata.name}`);
    }
  });

  await check("the daemon's gRPC port refuses a client without a certificate, one from another CA and the daemons' own (PermissionDenied), and accepts the manager's", async () => {
    const daemon = podsOf("daemon")[0];
    const secret = (name) => {
      const data = json("-n", namespace, "get", "secret", name).data;
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    };
    const manager = secret(`${release}-manager-tls`);
    const daemonOwn = secret(`${release}-daemon-tls`);
    // a render outside the cluster generates a fresh CA: a well-formed client certificate the daemon never trusted
    const otherRender = run("helm", ["template", "x", chart, "--show-only", "templates/tls-secrets.yaml"]);
    const otherSecret = parseAllDocuments(otherRender).map((d) => d.toJS()).find((o) => o?.metadata.name === "x-faultline-manager-tls");
    const other = { cert: Buffer.from(otherSecret.data["tls.crt"], "base64").toString(), key: Buffer.from(otherSecret.data["tls.key"], "base64").toString() };
    // one gRPC-framed request; any answer with headers means the TLS session (client certificate included) was accepted
    const call = (client) => new Promise((resolve) => {
      const session = connect(`https://${daemon.status.podIP}:31767`, {
        ca: manager["ca.crt"], servername: "chaos-daemon.chaos-mesh.org", ...client,
      });
      const done = (result) => { session.destroy(); resolve(result); };
      session.on("error", (err) => done(`refused: ${err.code ?? err.message}`));
      const timer = setTimeout(() => done("refused: no answer in 5 s"), 5000);
      const req = session.request({ ":method": "POST", ":path": "/pb.ChaosDaemon/ExecHelloWorldChaos", "content-type": "application/grpc" });
      req.on("response", (headers) => { clearTimeout(timer); done(`answered: grpc-status ${headers["grpc-status"] ?? "(in trailers)"}`); });
      req.on("error", (err) => { clearTimeout(timer); done(`refused: ${err.code ?? err.message}`); });
      req.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    const none = await call({});
    const foreign = await call(other);
    const own = await call({ cert: manager["tls.crt"], key: manager["tls.key"] });
    // the key pair mounted on every node: same CA, clientAuth set by Helm, but not the manager's name
    const nodeKey = await call({ cert: daemonOwn["tls.crt"], key: daemonOwn["tls.key"] });
    console.log(`     no certificate → ${none}; another CA → ${foreign}; the daemons' own → ${nodeKey}; the manager's → ${own}`);
    assert(nodeKey === "answered: grpc-status 7", `the daemons' own certificate (expected PermissionDenied): ${nodeKey}`);
    assert(own !== "answered: grpc-status 7", `the manager's certificate refused: ${own}`);
    assert(none.startsWith("refused"), `no client certificate: ${none}`);
    assert(foreign.startsWith("refused"), `certificate from another CA: ${foreign}`);
    assert(own.startsWith("answered"), `the manager's certificate: ${own}`);
  });

  let busybox = [];
  await check("a busybox Deployment (2 replicas) runs in its own namespace", async () => {
    kubectl("create", "namespace", targets);
    kubectlIn(JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "busybox", namespace: targets },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "busybox" } },
        template: {
          metadata: { labels: { app: "busybox" } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"] }],
          },
        },
      },
    }), "apply", "-f", "-");
    busybox = await until("2 running busybox pods", 120_000, () => {
      const pods = json("-n", targets, "get", "pods", "-l", "app=busybox").items;
      return pods.length === 2 && pods.every((p) => p.status.phase === "Running" && p.status.containerStatuses?.[0]?.containerID) && pods;
    });
  });

  await check("the seed's HelloWorldChaos (mode all, duration 1h) reaches AllInjected with every container Injected", async () => {
    kubectlIn([
      "apiVersion: chaos-mesh.org/v1alpha1",
      "kind: HelloWorldChaos",
      "metadata:",
      "  name: busybox-helloworld-chaos",
      `  namespace: ${targets}`,
      "spec:",
      "  selector:",
      "    namespaces:",
      `      - ${targets}`,
      "  mode: all",
      "  duration: 1h",
      "",
    ].join("\n"), "apply", "-f", "-");
    const status = await until("AllInjected=True", 90_000, () => {
      const s = json("get", ...chaos).status;
      return s?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") && s;
    });
    const records = status.experiment.containerRecords;
    assert(records.length === 2, `records: ${JSON.stringify(records)}`);
    for (const pod of busybox) {
      const record = records.find((r) => r.id === `${targets}/${pod.metadata.name}/busybox`);
      assert(record?.phase === "Injected", `record of ${pod.metadata.name}: ${JSON.stringify(record)}`);
    }
  });

  await check("the daemon pod's log shows each busybox container's own process list (sleep 3600 as PID 1), over mTLS", async () => {
    const daemon = podsOf("daemon")[0].metadata.name;
    await until("a 'cmd output' line for each container", 30_000, () => {
      const lines = logLines(daemon);
      for (const pod of busybox) {
        const id = pod.status.containerStatuses[0].containerID;
        const output = lines.find((l) => l.message === "cmd output" && l.containerId === id)?.output;
        if (!/^\s*1 root\s+(\S+\s+)?sleep 3600$/m.test(String(output))) throw new Error(`no ps output for ${id} in ${daemon}'s log`);
      }
      return true;
    });
  });

  await check("deleting the experiment: every record recovered and the object gone (finalizer removed)", async () => {
    kubectl("delete", ...chaos, "--wait=false");
    await until("the HelloWorldChaos to be gone", 60_000, () => {
      try {
        kubectl("get", ...chaos);
        return false;
      } catch (err) {
        if (/NotFound|not found/.test(err.stderr)) return true;
        throw err;
      }
    });
  });

  await check("a Workflow (Serial [HelloWorldChaos 5s → Suspend 2s]) runs to Accomplished through the chart's manager: its RBAC lets it create and delete the nodes and the chaos", async () => {
    kubectlIn(JSON.stringify({
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Workflow",
      metadata: { name: "chart-workflow", namespace: targets },
      spec: {
        entry: "entry",
        templates: [
          { name: "entry", templateType: "Serial", children: ["hello", "pause"] },
          { name: "hello", templateType: "HelloWorldChaos", deadline: "5s", helloWorldChaos: { mode: "all", selector: { namespaces: [targets] } } },
          { name: "pause", templateType: "Suspend", deadline: "2s" },
        ],
      },
    }), "apply", "-f", "-");
    const chaosName = await until("the workflow's HelloWorldChaos injected", 60_000, () => {
      const items = json("-n", targets, "get", "helloworldchaos").items.filter((o) => o.metadata.labels?.["chaos-mesh.org/workflow"] === "chart-workflow");
      return items.find((o) => o.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"))?.metadata.name;
    });
    await until("the workflow Accomplished", 90_000, () =>
      json("-n", targets, "get", "workflow", "chart-workflow").status?.conditions?.some((c) => c.type === "Accomplished" && c.status === "True"),
    );
    const left = json("-n", targets, "get", "helloworldchaos").items.map((o) => o.metadata.name);
    assert(!left.includes(chaosName), `the node's HelloWorldChaos ${chaosName} is still there at the end: ${left}`);
    kubectl("-n", targets, "delete", "workflow", "chart-workflow", "--wait=true", "--timeout=60s");
  });

  await check("a DNSChaos (action error) on a pod whose only container is the pause image (no shell, read-only root filesystem, not root): the pattern's lookups fail with SERVFAIL inside the pod's network namespace, other names resolve, also while its node's daemon is SIGKILLed and after the kubelet restarts it; deleting it restores them and leaves no interceptor", async () => {
    // the test's own DNS server on the pod network's gateway (the cluster has no DNS); lookups run
    // from the host in the target's network namespace (the image has no nslookup, nor a shell)
    const gateway = JSON.parse(run("nsenter", ["-t", taskPid(busybox[0].status.containerStatuses[0].containerID), "-n", "--", "ip", "-j", "route", "show", "default"]))[0].gateway;
    const zone = await startDnsZoneServer({ host: gateway, port: 53, zone: { "api.example.test": { A: ["10.89.255.10"] }, "www.example.test": { A: ["10.89.255.11"] } } });
    const dnsChaos = ["-n", targets, "dnschaos.chaos-mesh.org", "dns-error-api"];
    try {
      kubectlIn(JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { name: "dns-target", namespace: targets, labels: { app: "dns-target" } },
        spec: { terminationGracePeriodSeconds: 0, dnsPolicy: "None", dnsConfig: { nameservers: [gateway] },
          containers: [{ name: "app", image: "registry.k8s.io/pause:3.6", imagePullPolicy: "Never",
            securityContext: { readOnlyRootFilesystem: true, runAsUser: 65535, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }] },
      }), "apply", "-f", "-");
      const target = await until("the dns-target pod running", 60_000, () => {
        const p = json("-n", targets, "get", "pod", "dns-target");
        return p.status?.containerStatuses?.[0]?.state?.running && p;
      });
      const pid = taskPid(target.status.containerStatuses[0].containerID);
      // asynchronous: the zone server answers from this process's event loop, which execFileSync would block
      const lookup = async (name) => {
        try {
          const { stdout } = await execFileAsync("nsenter", ["-t", pid, "-n", "--", "busybox", "nslookup", "-type=a", name, gateway], { timeout: 10_000 });
          return stdout.split("\n").filter((l) => /^Address: /.test(l)).map((l) => l.slice("Address: ".length).trim()).pop();
        } catch (err) {
          return /SERVFAIL|NXDOMAIN|timed out/.exec(`${err.stdout ?? ""}${err.stderr ?? ""}`)?.[0] ?? `failed: ${err.message}`;
        }
      };
      const before = await lookup("api.example.test");
      assert(before === "10.89.255.10", `api.example.test gives ${before} before the DNSChaos (want 10.89.255.10)`);
      kubectlIn(JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1", kind: "DNSChaos", metadata: { name: "dns-error-api", namespace: targets },
        spec: { action: "error", mode: "all", patterns: ["api.example.test"], selector: { namespaces: [targets], labelSelectors: { app: "dns-target" } } },
      }), "apply", "-f", "-");
      await until("the DNSChaos AllInjected", 60_000, () => json("get", ...dnsChaos).status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"));
      const under = { api: await lookup("api.example.test"), www: await lookup("www.example.test") };
      assert(under.api === "SERVFAIL" && under.www === "10.89.255.11", `under the DNSChaos: ${JSON.stringify(under)} (want api SERVFAIL, www 10.89.255.11)`);
      // the daemon killed (SIGKILL: no grace) mid-experiment: the interceptor lives in the target
      // pod's cgroup, not the daemon's, so it keeps answering; the restarted daemon adopts it
      const killed = killDaemonOn(target.spec.nodeName);
      await killed.dead();
      const whileDown = { api: await lookup("api.example.test"), www: await lookup("www.example.test") };
      assert(whileDown.api === "SERVFAIL" && whileDown.www === "10.89.255.11", `with the daemon killed: ${JSON.stringify(whileDown)} (want api SERVFAIL, www 10.89.255.11)`);
      await killed.restarted();
      const after = await lookup("api.example.test");
      assert(after === "SERVFAIL", `after the daemon's restart api.example.test gives ${after} (want SERVFAIL)`);
      kubectl("delete", ...dnsChaos, "--wait=true", "--timeout=60s");
      await until("api.example.test resolving again", 10_000, async () => (await lookup("api.example.test")) === "10.89.255.10");
      const nat = run("nsenter", ["-t", pid, "-n", "--", "iptables", "-t", "nat", "-S"]);
      assert(!/FAULTLINE-DNS/.test(nat), `the pod's nat table still has the redirect:\n${nat}`);
      await until("no interceptor process left", 10_000, () => !run("ps", ["-e", "-o", "args="]).includes("dns-interceptor-main"));
    } finally {
      await zone.close();
      try {
        // the experiment too, when a check failed before its deletion: the manager still runs to recover it
        kubectl("delete", ...dnsChaos, "--ignore-not-found", "--wait=false");
        kubectl("-n", targets, "delete", "pod", "dns-target", "--ignore-not-found", "--wait=false");
      } catch {}
    }
  });

  await check("an HTTPChaos (target Response, replace.body) on a busybox httpd pod: a request from another pod gets the replaced body through the daemon's proxy; deleting it restores the server's own answer and leaves no redirect and no proxy", async () => {
    const httpChaos = ["-n", targets, "httpchaos.chaos-mesh.org", "replace-web-page"];
    try {
      kubectlIn(JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: targets, labels: { app: "web" } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "httpd", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never",
          command: ["sh", "-c", 'mkdir -p /www && echo "hello from web" > /www/index.html && exec httpd -f -p 8080 -h /www'] }] },
      }), "apply", "-f", "-");
      const web = await until("the web pod running", 60_000, () => {
        const p = json("-n", targets, "get", "pod", "web");
        return p.status?.podIP && p.status?.containerStatuses?.[0]?.state?.running && p;
      });
      const clientPid = taskPid(busybox[0].status.containerStatuses[0].containerID);
      const webPid = taskPid(web.status.containerStatuses[0].containerID);
      const get = async () => {
        try {
          return (await execFileAsync("nsenter", ["-t", clientPid, "-n", "--", "busybox", "wget", "-q", "-O", "-", `http://${web.status.podIP}:8080/`], { timeout: 10_000 })).stdout.trim();
        } catch (err) {
          return `failed: ${err.message}`;
        }
      };
      const own = await until("web answering", 20_000, async () => (await get()) === "hello from web" && "hello from web");
      kubectlIn(JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1", kind: "HTTPChaos", metadata: { name: "replace-web-page", namespace: targets },
        spec: { mode: "all", selector: { namespaces: [targets], labelSelectors: { app: "web" } }, target: "Response", port: 8080, path: "/",
          replace: { body: Buffer.from("hello from HTTPChaos\n").toString("base64") } },
      }), "apply", "-f", "-");
      await until("the HTTPChaos AllInjected", 60_000, () => json("get", ...httpChaos).status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"));
      const replaced = await get();
      assert(replaced === "hello from HTTPChaos", `under the HTTPChaos web answered ${JSON.stringify(replaced)}`);
      kubectl("delete", ...httpChaos, "--wait=true", "--timeout=60s");
      const after = await get();
      assert(after === own, `after the HTTPChaos web answered ${JSON.stringify(after)}`);
      const nat = run("nsenter", ["-t", webPid, "-n", "--", "iptables", "-t", "nat", "-S"]);
      assert(!/FAULTLINE-HTTP/.test(nat), `the pod's nat table still has the redirect:\n${nat}`);
      await until("no proxy process left", 10_000, () => !run("ps", ["-e", "-o", "args="]).includes("http-proxy-main"));
    } finally {
      try {
        kubectl("delete", ...httpChaos, "--ignore-not-found", "--wait=false");
        kubectl("-n", targets, "delete", "pod", "web", "--ignore-not-found", "--wait=false");
      } catch {}
    }
  });

  await check("a TimeChaos (timeOffset -2h) on a busybox httpd pod: the Date of its answers runs two hours behind, also while its node's daemon is SIGKILLed and after the kubelet restarts it; deleting it (recovered by the restarted daemon, from the processes themselves) puts the clock right and leaves the process's vDSO code byte for byte as it was (only the helper's inert image stays in its padding)", async () => {
    const timeChaos = ["-n", targets, "timechaos.chaos-mesh.org", "clock-two-hours-back"];
    try {
      kubectlIn(JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { name: "clock", namespace: targets, labels: { app: "clock" } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "httpd", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never",
          command: ["sh", "-c", 'mkdir -p /www && echo "tick" > /www/index.html && exec httpd -f -p 8080 -h /www'] }] },
      }), "apply", "-f", "-");
      const pod = await until("the clock pod running", 60_000, () => {
        const p = json("-n", targets, "get", "pod", "clock");
        return p.status?.containerStatuses?.[0]?.state?.running && p;
      });
      const pid = taskPid(pod.status.containerStatuses[0].containerID);
      // hours between the Date of the pod's answer (each answer comes from a process httpd forks,
      // which inherits its skew) and this machine's clock; asked from the host in the pod's netns
      const offsetHours = async () => {
        const { stderr } = await execFileAsync("nsenter", ["-t", pid, "-n", "--", "busybox", "wget", "-S", "-O", "/dev/null", "http://127.0.0.1:8080/"], { timeout: 10_000 });
        const header = stderr.split("\n").find((l) => /^\s*Date:/i.test(l));
        assert(header, `no Date header in the pod's answer:\n${stderr}`);
        return (new Date(header.replace(/^\s*Date:\s*/i, "").trim()).getTime() - Date.now()) / 3_600_000;
      };
      const vdso = () => {
        const [start, end] = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").find((l) => l.endsWith("[vdso]")).split(" ")[0].split("-").map((h) => BigInt(`0x${h}`));
        const fd = openSync(`/proc/${pid}/mem`, "r");
        try {
          const bytes = Buffer.alloc(Number(end - start));
          readSync(fd, bytes, 0, bytes.length, start);
          return bytes;
        } finally {
          closeSync(fd);
        }
      };
      await until("the pod answering", 20_000, async () => Math.abs(await offsetHours().catch(() => 99)) < 0.05);
      const original = vdso();
      kubectlIn(JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1", kind: "TimeChaos", metadata: { name: "clock-two-hours-back", namespace: targets },
        spec: { mode: "one", selector: { namespaces: [targets], labelSelectors: { app: "clock" } }, timeOffset: "-2h" },
      }), "apply", "-f", "-");
      await until("the TimeChaos AllInjected", 60_000, () => json("get", ...timeChaos).status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"));
      const under = await offsetHours();
      assert(Math.abs(under + 2) < 0.05, `under the TimeChaos the pod's clock is ${under.toFixed(3)} h off (want -2)`);
      const killed = killDaemonOn(pod.spec.nodeName);
      await killed.dead();
      const whileDown = await offsetHours();
      assert(Math.abs(whileDown + 2) < 0.05, `with the daemon killed the pod's clock is ${whileDown.toFixed(3)} h off (want -2)`);
      await killed.restarted();
      kubectl("delete", ...timeChaos, "--wait=true", "--timeout=60s");
      await until("the pod's clock right again", 10_000, async () => Math.abs(await offsetHours()) < 0.05);
      // the helper's image is the last 1024 bytes of the mapping, beyond the vDSO's ELF content; a
      // restore leaves its code there, inert (nothing jumps to it), for a thread still returning into it
      const after = vdso();
      assert(after.length === original.length && Buffer.compare(after.subarray(0, after.length - 1024), original.subarray(0, original.length - 1024)) === 0,
        "the process's vDSO code differs from what it was before the TimeChaos");
    } finally {
      try {
        kubectl("delete", ...timeChaos, "--ignore-not-found", "--wait=false");
        kubectl("-n", targets, "delete", "pod", "clock", "--ignore-not-found", "--wait=false");
      } catch {}
    }
  });

  // IOChaos needs /dev/fuse, which only a privileged daemon container can open: without it, the
  // node's daemon reports no io/fuse and the manager fails the record before anything is touched
  const privilegedDaemon = !extraValues.some((v) => /daemon\.privileged=false/.test(v));
  await check(privilegedDaemon
    ? "an IOChaos (action fault, errno 5) on a pod's emptyDir volume: reading a file there fails with EIO, also while its node's daemon is SIGKILLed and after the kubelet restarts it; deleting it restores the original mount (no FUSE mount left) and the file byte for byte"
    : "an IOChaos on a node whose daemon cannot open /dev/fuse (not privileged): the record fails with an event naming the node and io/fuse, nothing is mounted, and deleting the experiment does not hang", async () => {
    const ioChaos = ["-n", targets, "iochaos.chaos-mesh.org", "data-read-eio"];
    try {
      kubectlIn(JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { name: "disk", namespace: targets, labels: { app: "disk" } },
        spec: { terminationGracePeriodSeconds: 0, volumes: [{ name: "data", emptyDir: {} }],
          containers: [{ name: "app", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never",
            command: ["sh", "-c", "echo 'the original content' > /data/f && exec sleep 3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
      }), "apply", "-f", "-");
      const pod = await until("the disk pod running", 60_000, () => {
        const p = json("-n", targets, "get", "pod", "disk");
        return p.status?.containerStatuses?.[0]?.state?.running && p;
      });
      const pid = taskPid(pod.status.containerStatuses[0].containerID);
      // a read of /data/f in the pod's mount namespace, from the host: its content, or the error
      const read = async () => {
        try {
          return (await execFileAsync("nsenter", ["-t", pid, "-m", "--", "/bin/busybox", "cat", "/data/f"], { timeout: 10_000 })).stdout;
        } catch (err) {
          return /I\/O error|Input\/output error/.test(String(err.stderr)) ? "EIO" : `failed: ${err.stderr || err.message}`;
        }
      };
      const fuseMounts = () => readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").filter((l) => / - fuse\./.test(l));
      const original = await until("the file written", 20_000, async () => ((await read()) === "the original content\n" ? "the original content\n" : undefined));
      kubectlIn(JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1", kind: "IOChaos", metadata: { name: "data-read-eio", namespace: targets },
        spec: { action: "fault", mode: "one", selector: { namespaces: [targets], labelSelectors: { app: "disk" } },
          volumePath: "/data", path: "/data/*", errno: 5, percent: 100, methods: ["read", "open"] },
      }), "apply", "-f", "-");
      if (!privilegedDaemon) {
        const failed = await until("the record's Failed event", 60_000, () =>
          json("get", ...ioChaos).status?.experiment?.containerRecords?.[0]?.events?.find((e) => e.type === "Failed" && /io\/fuse/.test(e.message)));
        assert(failed.message.includes(pod.spec.nodeName), `the event does not name the node ${pod.spec.nodeName}: ${failed.message}`);
        assert(fuseMounts().length === 0, `a FUSE mount in the pod: ${fuseMounts()}`);
        assert((await read()) === original, "the file changed although nothing was injected");
        kubectl("delete", ...ioChaos, "--wait=true", "--timeout=60s");
        return;
      }
      await until("the IOChaos AllInjected", 60_000, () => json("get", ...ioChaos).status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True"));
      const under = await read();
      assert(under === "EIO", `under the IOChaos reading /data/f gave ${JSON.stringify(under)} (want EIO)`);
      const killed = killDaemonOn(pod.spec.nodeName);
      await killed.dead();
      const whileDown = await read();
      assert(whileDown === "EIO", `with the daemon killed reading /data/f gave ${JSON.stringify(whileDown)} (want EIO: the FUSE server outlives the daemon)`);
      await killed.restarted();
      kubectl("delete", ...ioChaos, "--wait=true", "--timeout=60s");
      await until("/data/f readable again", 20_000, async () => (await read()) === original);
      assert(fuseMounts().length === 0, `a FUSE mount left in the pod:\n${fuseMounts().join("\n")}`);
    } finally {
      try {
        kubectl("delete", ...ioChaos, "--ignore-not-found", "--wait=false");
        kubectl("-n", targets, "delete", "pod", "disk", "--ignore-not-found", "--wait=false");
      } catch {}
    }
  });

  await check("the chart's <release>-kill-switch ClusterRole is enough to stop all chaos: a ServiceAccount bound only to it runs the built `faultline stop --all` (exit 0 once every record is recovered: a pod-failure pod's image back, Paused reason KillSwitch), is refused (403) deleting the PodChaos, and `faultline resume --all` injects it again", async () => {
    const podChaos = ["-n", targets, "podchaos.chaos-mesh.org", "on-call-pod-failure"];
    const busyboxImage = "docker.io/library/busybox:latest";
    const pauseImage = "registry.k8s.io/pause:3.6"; // the chart's PodChaos.pauseImage
    const binding = `e2e-on-call-${suffix}`;
    const cli = `${repo}libs/cli/dist/bin/faultline.js`;
    const saKubeconfig = `${tmpdir()}/faultline-e2e-on-call-${suffix}.kubeconfig`;
    const image = () => json("-n", targets, "get", "pod", "failing").spec.containers[0].image;
    const injected = () => {
      const s = json("get", ...podChaos).status;
      return s?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") && s.experiment?.containerRecords?.[0]?.phase === "Injected" && image() === pauseImage;
    };
    // the CLI under the ServiceAccount's kubeconfig, with the node that runs this test (≥ 22.19)
    const faultline = async (...args) => {
      try {
        const { stdout, stderr } = await execFileAsync(process.execPath, [cli, "--kubeconfig", saKubeconfig, ...args], { timeout: 150_000 });
        return { code: 0, stdout, stderr };
      } catch (err) {
        return { code: err.code, stdout: err.stdout, stderr: err.stderr || err.message };
      }
    };
    try {
      assert(existsSync(cli), `${cli} missing: build the CLI (nx run @faultline/cli:build)`);
      const roles = json("get", "clusterrole", "-l", `app.kubernetes.io/instance=${release},app.kubernetes.io/component=kill-switch`).items;
      assert(roles.length === 1 && roles[0].metadata.name.endsWith("-kill-switch"), `the release's kill-switch ClusterRoles: ${roles.map((r) => r.metadata.name)}`);
      const role = roles[0].metadata.name;
      kubectlIn(JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { name: "failing", namespace: targets, labels: { app: "failing" } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "busybox", image: busyboxImage, imagePullPolicy: "Never", command: ["sleep", "3600"] }] },
      }), "apply", "-f", "-");
      await until("the failing pod running", 60_000, () => json("-n", targets, "get", "pod", "failing").status?.containerStatuses?.[0]?.state?.running);
      kubectlIn(JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name: "on-call-pod-failure", namespace: targets },
        spec: { action: "pod-failure", mode: "all", duration: "1h", selector: { namespaces: [targets], labelSelectors: { app: "failing" } } },
      }), "apply", "-f", "-");
      await until("the PodChaos AllInjected (the pod on the pause image)", 90_000, injected);

      // an on-call engineer: a ServiceAccount with nothing but a ClusterRoleBinding to the chart's role
      kubectl("-n", targets, "create", "serviceaccount", "on-call");
      kubectl("create", "clusterrolebinding", binding, `--clusterrole=${role}`, `--serviceaccount=${targets}:on-call`);
      const token = kubectl("-n", targets, "create", "token", "on-call", "--duration=1h").trim();
      const admin = JSON.parse(kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json"));
      const cluster = admin.clusters[0].cluster;
      writeFileSync(saKubeconfig, JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": "on-call",
        clusters: [{ name: "e2e", cluster: { server: cluster.server, "certificate-authority-data": cluster["certificate-authority-data"] } }],
        users: [{ name: "on-call", user: { token } }],
        contexts: [{ name: "on-call", context: { cluster: "e2e", user: "on-call", namespace: targets } }],
      }), { mode: 0o600 });

      const stopped = await faultline("stop", "--all", "--reason", "e2e", "--timeout", "120s");
      assert(stopped.code === 0, `faultline stop --all exited ${stopped.code}:\n${stopped.stderr}`);
      assert(/Every record recovered/.test(stopped.stderr), `faultline stop --all did not report every record recovered:\n${stopped.stderr}`);
      // right when it exits: the promise is that 0 means recovered, not that it will be
      assert(image() === busyboxImage, `after stop --all the pod runs ${image()} (want ${busyboxImage})`);
      const stoppedStatus = json("get", ...podChaos).status;
      const paused = stoppedStatus?.conditions?.find((c) => c.type === "Paused");
      assert(paused?.status === "True" && paused.reason === "KillSwitch", `the PodChaos's Paused condition: ${JSON.stringify(paused)}`);
      assert(stoppedStatus.experiment.containerRecords.every((r) => r.phase !== "Injected"), `records: ${JSON.stringify(stoppedStatus.experiment.containerRecords)}`);
      const ks = json("get", "killswitches.faultline.chaos-mesh.org", "cluster");
      assert(ks.spec.engaged === true && ks.spec.engagedBy === `system:serviceaccount:${targets}:on-call`, `the KillSwitch's spec: ${JSON.stringify(ks.spec)}`);

      // no chaos rights: the same identity may not delete (nor so stop) the experiment itself
      let refused;
      try {
        run("kubectl", ["--kubeconfig", saKubeconfig, "delete", ...podChaos, "--wait=false"]);
      } catch (err) {
        refused = String(err.stderr);
      }
      assert(refused !== undefined && /Forbidden|cannot delete resource/.test(refused), `the on-call ServiceAccount deleting the PodChaos: ${refused ?? "allowed"}`);
      assert(json("get", ...podChaos).metadata.deletionTimestamp === undefined, "the PodChaos is being deleted");

      const resumed = await faultline("resume", "--all");
      assert(resumed.code === 0, `faultline resume --all exited ${resumed.code}:\n${resumed.stderr}`);
      await until("the PodChaos injected again (the pod back on the pause image)", 90_000, injected);
    } finally {
      // admin rights: the switch off whatever happened above (an engaged switch stops every later test's chaos)
      for (const args of [["delete", "killswitches.faultline.chaos-mesh.org", "cluster", "--ignore-not-found"], ["delete", ...podChaos, "--ignore-not-found", "--wait=true", "--timeout=60s"],
        ["-n", targets, "delete", "pod", "failing", "--ignore-not-found", "--wait=false"], ["delete", "clusterrolebinding", binding, "--ignore-not-found"],
        ["-n", targets, "delete", "serviceaccount", "on-call", "--ignore-not-found"]]) {
        try {
          kubectl(...args);
        } catch {}
      }
      rmSync(saKubeconfig, { force: true });
    }
  });

  await check("the dashboard (token mode) holds no token of its own and no RBAC; it answers api/config with mode token, 401 without a bearer token, a view-bound ServiceAccount's token lists namespaces (200), and a delete with it gets the API server's 403 naming the verb and resource", async () => {
    const viewer = "dashboard-viewer";
    const binding = `e2e-dashboard-viewer-${suffix}`;
    try {
      const [pod] = podsOf("dashboard");
      assert(pod && isReady(pod), "the dashboard pod is not Ready");
      // no ServiceAccount token: not in the pod spec, not in the container's filesystem
      assert(pod.spec.automountServiceAccountToken === false, "the dashboard's pod does not set automountServiceAccountToken: false");
      const projected = (pod.spec.volumes ?? []).filter((v) => v.projected?.sources?.some((src) => src.serviceAccountToken));
      assert(projected.length === 0, `a ServiceAccount token volume in the dashboard's pod: ${JSON.stringify(projected)}`);
      const secrets = kubectl("-n", namespace, "exec", pod.metadata.name, "--", "sh", "-c", "ls -A /var/run/secrets 2>&1; ls /var/run/secrets/kubernetes.io/serviceaccount 2>&1 || true").trim();
      assert(!/\btoken\b/.test(secrets), `a token in the dashboard's container: ${secrets}`);
      // its own ServiceAccount may do nothing a signed-in user could not (no Role or binding names it)
      const self = `system:serviceaccount:${namespace}:${pod.spec.serviceAccountName}`;
      const canI = (verb, resource) => {
        try {
          return run("kubectl", ["auth", "can-i", verb, resource, "--all-namespaces", "--as", self]).trim();
        } catch (err) {
          return String(err.stdout ?? err.message).trim(); // "no" exits 1
        }
      };
      for (const [verb, resource] of [["list", "namespaces"], ["list", "pods"], ["get", "podchaos.chaos-mesh.org"], ["create", "killswitches.faultline.chaos-mesh.org"]]) {
        const answer = canI(verb, resource);
        assert(answer === "no", `${self} may ${verb} ${resource}: ${answer}`);
      }
      const base = `http://${pod.status.podIP}:7070/`;
      const config = await (await fetch(`${base}api/config`)).json();
      assert(config.mode === "token" && config.faultlineNamespace === namespace, `api/config: ${JSON.stringify(config)}`);
      const anonymous = await fetch(`${base}api/kube/api/v1/namespaces`);
      const anonymousBody = await anonymous.text();
      assert(anonymous.status === 401, `api/kube/api/v1/namespaces without a token → ${anonymous.status} ${anonymousBody}`);

      kubectl("-n", targets, "create", "serviceaccount", viewer);
      kubectl("create", "clusterrolebinding", binding, "--clusterrole=view", `--serviceaccount=${targets}:${viewer}`);
      const token = kubectl("-n", targets, "create", "token", viewer, "--duration=10m").trim();
      const headers = { authorization: `Bearer ${token}` };
      const listed = await until("the view-bound token's namespace list (RBAC caches may lag the binding)", 15_000, async () => {
        const res = await fetch(`${base}api/kube/api/v1/namespaces`, { headers });
        if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
        return res.json();
      });
      const names = listed.items?.map((n) => n.metadata.name) ?? [];
      assert(listed.kind === "NamespaceList" && names.includes(targets) && names.includes(namespace), `the list: ${JSON.stringify(names)}`);
      // a delete view does not allow, of a pod that does not exist: authorization comes first (403),
      // and were it wrongly allowed, nothing would be deleted (404)
      const refused = await fetch(`${base}api/kube/api/v1/namespaces/${targets}/pods/not-there`, { method: "DELETE", headers });
      const status = await refused.json();
      assert(refused.status === 403 && status.kind === "Status" && status.code === 403, `DELETE with the view token → ${refused.status} ${JSON.stringify(status)}`);
      assert(/cannot delete resource "pods"/.test(status.message) && status.message.includes(`system:serviceaccount:${targets}:${viewer}`),
        `the 403's message does not name the verb, the resource and the user: ${status.message}`);
      console.log(`     api/config mode ${config.mode}; no token → 401; view token → ${names.length} namespaces; DELETE → 403 "${status.message}"`);
    } finally {
      for (const args of [["delete", "clusterrolebinding", binding, "--ignore-not-found"], ["-n", targets, "delete", "serviceaccount", viewer, "--ignore-not-found"]]) {
        try {
          kubectl(...args);
        } catch {}
      }
    }
  });

  await check("helm uninstall removes the manager, the daemons, the dashboard and everything else of the release", async () => {
    run("helm", ["uninstall", release, "-n", namespace, "--wait", "--timeout", "120s"]);
    await until("no pods of the release", 60_000, () => podsOf("manager").length + podsOf("daemon").length + podsOf("dashboard").length === 0);
    const left = kubectl("get", "all,secret,serviceaccount,role,rolebinding,endpointslice", "-n", namespace,
      "-l", `app.kubernetes.io/instance=${release}`, "-o", "name").trim();
    assert(left === "", `left behind: ${left}`);
    const clusterLeft = kubectl("get", "clusterrole,clusterrolebinding", "-l", `app.kubernetes.io/instance=${release}`, "-o", "name").trim();
    assert(clusterLeft === "", `left behind: ${clusterLeft}`);
    // the leader-election Lease is the manager's, not Helm's: the garbage collector removes it with its owner
    await until("the leader-election Lease gone", 60_000, () => kubectl("get", "lease", "-n", namespace, "-o", "name").trim() === "");
  });
} finally {
  if (checks.stopped) {
    // what a reader needs to see why
    for (const component of ["manager", "daemon", "dashboard"]) {
      try {
        for (const p of podsOf(component)) console.log(`--- ${p.metadata.name} (last 30 lines)\n${kubectl("-n", namespace, "logs", p.metadata.name, "--tail=30")}`);
      } catch {}
    }
    try {
      console.log(kubectl("-n", namespace, "get", "events", "--sort-by=.lastTimestamp").split("\n").slice(-15).join("\n"));
    } catch {}
  }
  try {
    run("helm", ["uninstall", release, "-n", namespace, "--ignore-not-found", "--wait", "--timeout", "60s"]);
  } catch {}
  try {
    // no manager is left to remove the finalizer of an experiment a failed run left behind
    kubectl("-n", targets, "patch", "helloworldchaos.chaos-mesh.org", "busybox-helloworld-chaos", "--type=merge", "-p", '{"metadata":{"finalizers":null}}');
  } catch {}
  try {
    // a kill switch left engaged would stop every later test's chaos on this cluster
    kubectl("delete", "killswitches.faultline.chaos-mesh.org", "cluster", "--ignore-not-found");
  } catch {}
  for (const binding of [`e2e-on-call-${suffix}`, `e2e-dashboard-viewer-${suffix}`]) {
    try {
      kubectl("delete", "clusterrolebinding", binding, "--ignore-not-found");
    } catch {}
  }
  for (const [resource, name] of [["podchaos.chaos-mesh.org", "on-call-pod-failure"], ["dnschaos.chaos-mesh.org", "dns-error-api"], ["httpchaos.chaos-mesh.org", "replace-web-page"], ["timechaos.chaos-mesh.org", "clock-two-hours-back"], ["iochaos.chaos-mesh.org", "data-read-eio"]]) {
    try {
      kubectl("-n", targets, "patch", resource, name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}');
    } catch {}
  }
  for (const ns of [targets, namespace]) {
    try {
      kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
    } catch {}
  }
}
summary();
