import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { faultlineStatusConfigMap, faultlineStatusKey, statusRefreshRequestedAnnotation, sweepRequestedAnnotation, type FaultlineStatus } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { deployBusybox, eventually as eventuallyWithin, processesInPidNamespaceOf, type AppProcess } from "@faultline/test-ground";
import { AuthorizationV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// The leader's published status (issue 27: faultline doctor, recover --orphans): ConfigMap
// faultline-status in its namespace, with the node, its daemon and capabilities; with the automatic
// sweep off (--sweep-interval-seconds 0), a forced-deleted StressChaos's stressor is listed in
// `orphans` and left running, and removed only when the sweep-requested annotation asks. The
// manager runs as a ServiceAccount with exactly the chart's RBAC (its templates rendered by helm),
// so its RBAC gaps, its watch of the one ConfigMap and the status-reader roles are the chart's.
const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "stresschaos" };
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => eventuallyWithin(what, probe, timeoutMs, 250);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const release = `st${Date.now().toString(36)}`;

/** The chart's RBAC for the manager and the status readers, and its ServiceAccounts, rendered for `namespace`. */
function chartRbac(namespace: string): { yaml: string; env: NodeJS.ProcessEnv } {
  // the cluster's own helm and kubectl, on the PATH `local-cluster env` gives
  const env = execFileSync(join(repo, "tools/local-cluster/local-cluster"), ["env"], { encoding: "utf8" });
  const path = /^export PATH=(.*):\$PATH$/m.exec(env)?.[1];
  const kubeconfig = /^export KUBECONFIG=(.*)$/m.exec(env)?.[1];
  const withTools = { ...process.env, PATH: `${path}:${process.env["PATH"]}`, KUBECONFIG: kubeconfig };
  const templates = ["manager-rbac.yaml", "status-reader-rbac.yaml", "serviceaccounts.yaml"].flatMap((t) => ["--show-only", `templates/${t}`]);
  const yaml = execFileSync("helm", ["template", release, join(repo, "charts/faultline"), "-n", namespace, ...templates], { encoding: "utf8", env: withTools });
  return { yaml, env: withTools };
}

describe("the manager's status ConfigMap", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: string;
  let manager: AppProcess;
  let rbac: { yaml: string; env: NodeJS.ProcessEnv } | undefined;

  const readStatus = async (): Promise<FaultlineStatus | undefined> => {
    try {
      const cm = await core.readNamespacedConfigMap({ namespace: ns, name: faultlineStatusConfigMap });
      const text = cm.data?.[faultlineStatusKey];
      return text ? (JSON.parse(text) as FaultlineStatus) : undefined;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
  const annotate = (key: string, value: string) =>
    core.patchNamespacedConfigMap({ namespace: ns, name: faultlineStatusConfigMap, body: { metadata: { annotations: { [key]: value } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  /** Asks for a fresh status as the CLI does and waits for the write that answers it. */
  const refreshed = async (): Promise<FaultlineStatus> => {
    const requested = new Date().toISOString();
    await annotate(statusRefreshRequestedAnnotation, requested);
    return eventually(`a status at or after ${requested}`, async () => {
      const status = await readStatus();
      return status && Date.parse(status.updatedAt) >= Date.parse(requested) ? status : undefined;
    });
  };

  beforeAll(async () => {
    ground = await startKubeletGround("status-e2e");
    ({ core, custom } = ground);
    ns = ground.ns.name;
    rbac = chartRbac(ns);
    execFileSync("kubectl", ["apply", "-f", "-"], { input: rbac.yaml, env: rbac.env, stdio: ["pipe", "ignore", "inherit"] });
    // the manager's ServiceAccount token in a kubeconfig of its own: the manager has the chart's rights, no more
    const sa = `${release}-faultline-manager`;
    const { token } = (await core.createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status!;
    const cluster = ground.cluster.kubeConfig.getCurrentCluster()!;
    const kubeconfigPath = join(mkdtempSync(join(tmpdir(), "faultline-status-")), "manager.kubeconfig");
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "local", cluster: { server: cluster.server, ...(cluster.caData ? { "certificate-authority-data": cluster.caData } : { "certificate-authority": cluster.caFile }) } }],
        users: [{ name: sa, user: { token } }],
        contexts: [{ name: "manager", context: { cluster: "local", user: sa, namespace: ns } }],
        "current-context": "manager",
      }),
    );
    manager = await startTestManager({
      kubeconfigPath,
      namespace: ns,
      daemonSocket: ground.daemonSocket,
      httpPort: await freePort(),
      // the interval is long: every write the test waits for is one it asked for
      extraArgs: ["--sweep-interval-seconds", "0", "--status-interval-seconds", "600"],
    });
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    // the ClusterRoles and ClusterRoleBinding (the namespace takes the rest with it)
    if (rbac) execFileSync("kubectl", ["delete", "--ignore-not-found", "-f", "-"], { input: rbac.yaml, env: rbac.env, stdio: ["pipe", "ignore", "inherit"] });
    await ground?.stop();
  }, 180_000);

  it("appears once the manager leads: its identity, kinds and queue, no RBAC gap with the chart's RBAC, the node with its reachable daemon and capabilities per kind", async () => {
    const status = await eventually("the faultline-status ConfigMap", readStatus);
    expect(status.manager).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), identity: expect.stringMatching(/_\d+$/), rbacGaps: [] });
    expect(status.manager.kinds).toEqual(expect.arrayContaining(["PodChaos", "StressChaos", "NetworkChaos"]));
    expect(status.manager.queueDepth).toBeGreaterThanOrEqual(0);
    const nodeName = (await core.listNode()).items[0]!.metadata!.name!;
    const node = status.nodes.find((n) => n.node === nodeName);
    // a static --daemon-address: the daemon has no pod to name
    expect(node?.daemon).toMatchObject({ pod: "", reachable: true });
    expect(node!.daemon!.capabilities!["StressChaos"]).toEqual({ capable: true });
    expect(node!.daemon!.capabilities!["PodChaos"]).toEqual({ capable: true });
    expect(Object.keys(node!.daemon!.capabilities!).sort()).toEqual([...status.manager.kinds].sort());
    expect(status.orphans.found.filter((o) => o.pod.startsWith(`${ns}/`))).toEqual([]);
    expect(status.lastSweep).toBeUndefined();
  }, 120_000);

  it("the chart's status-reader Role lets its holder read, watch and annotate faultline-status, and no other ConfigMap", async () => {
    const reader = "status-reader";
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: reader } } });
    await ground.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: reader },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${release}-faultline-status-reader` },
        subjects: [{ kind: "ServiceAccount", name: reader, namespace: ns }],
      },
    });
    const authz = ground.cluster.kubeConfig.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, name: string) =>
      (await authz.createSubjectAccessReview({ body: { spec: { user: `system:serviceaccount:${ns}:${reader}`, resourceAttributes: { namespace: ns, verb, resource: "configmaps", name } } } })).status!.allowed;
    expect(await Promise.all(["get", "watch", "patch"].map((verb) => can(verb, faultlineStatusConfigMap)))).toEqual([true, true, true]);
    expect(await Promise.all([can("get", "other"), can("delete", faultlineStatusConfigMap), can("update", faultlineStatusConfigMap)])).toEqual([false, false, false]);
  }, 60_000);

  it("lists a forced-deleted StressChaos's stressor in orphans and leaves it running; sweep-requested removes it and records lastSweep", async () => {
    const runtime = createContainerRuntimeClient({ sockets: { containerd: ground.cluster.containerdSocket } });
    try {
      const [pod] = await deployBusybox(ground.cluster.kubeConfig, ns, { name: "orphan", replicas: 1 });
      const pid = await runtime.getPid((pod as V1Pod).status!.containerStatuses![0]!.containerID!);
      const stressors = () => processesInPidNamespaceOf(pid).filter((p) => p.comm.startsWith("stress-ng"));
      const created = (await custom.createNamespacedCustomObject({
        ...resource,
        namespace: ns,
        body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "StressChaos", metadata: { name: "forced-burn" }, spec: { mode: "all", selector: { labelSelectors: { app: "orphan" } }, stressors: { cpu: { workers: 1, load: 5 } } } },
      })) as { metadata: { uid: string } };
      await eventually("forced-burn AllInjected", async () => {
        const obj = (await custom.getNamespacedCustomObject({ ...resource, namespace: ns, name: "forced-burn" })) as { status?: { conditions?: { type: string; status: string }[] } };
        return obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") ? true : undefined;
      });
      expect(stressors().length).toBeGreaterThan(0);
      // deleted the way a user skips recovery: the forced-finalizer annotation, then delete
      await custom.patchNamespacedCustomObject(
        { ...resource, namespace: ns, name: "forced-burn", body: { metadata: { annotations: { "chaos-mesh.chaos-mesh.org/cleanFinalizer": "forced" } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      await custom.deleteNamespacedCustomObject({ ...resource, namespace: ns, name: "forced-burn" });
      await eventually("forced-burn gone", () => custom.getNamespacedCustomObject({ ...resource, namespace: ns, name: "forced-burn" }).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));

      const podId = `${ns}/${pod!.metadata!.name}`;
      const found = await eventually("the orphan in a refreshed status", async () => {
        const status = await refreshed();
        return status.orphans.found.find((o) => o.pod === podId);
      });
      expect(found).toEqual({ kind: "StressChaos", pod: podId, owner: { uid: created.metadata.uid }, what: "cpu stressor(s) in container busybox" });
      // find-only: nothing recovered, no sweep recorded
      expect(stressors().length).toBeGreaterThan(0);
      expect((await readStatus())!.lastSweep).toBeUndefined();

      const requestedAt = new Date().toISOString();
      await annotate(sweepRequestedAnnotation, requestedAt);
      const after = await eventually("lastSweep for the request", async () => {
        const status = await readStatus();
        return status?.lastSweep?.requestedAt === requestedAt ? status : undefined;
      });
      // the whole cluster is swept: this namespace's part is the test's
      expect(after.lastSweep!.swept.filter((s) => s.pod.startsWith(`${ns}/`))).toEqual([{ kind: "StressChaos", pod: podId, what: "cpu stressor(s) in container busybox" }]);
      if (after.lastSweep!.errors.length > 0) console.log(`the sweep's errors (other parts of the cluster): ${after.lastSweep!.errors.join("; ")}`);
      expect(Date.parse(after.lastSweep!.finishedAt)).toBeGreaterThanOrEqual(Date.parse(requestedAt) - 5_000);
      // the write that recorded the sweep found nothing left, and the stressors are gone
      expect(after.orphans.found.filter((o) => o.pod === podId)).toEqual([]);
      await eventually("the orphan's stressors gone", async () => (stressors().length === 0 ? true : undefined), 30_000);
      // the same request seen again (a refresh) does not sweep again
      const again = await refreshed();
      expect(again.lastSweep).toEqual(after.lastSweep);
    } finally {
      runtime.close();
    }
  }, 300_000);

  it("names an RBAC gap: the chart's ClusterRole without delete on pods shows 'delete pods (core) cluster-wide' at the next refresh", async () => {
    const rbacApi = ground.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const name = `${release}-faultline-manager`;
    const role = await rbacApi.readClusterRole({ name });
    role.rules = role.rules!.map((r) => (r.resources?.includes("pods") ? { ...r, verbs: r.verbs.filter((v) => v !== "delete") } : r));
    await rbacApi.replaceClusterRole({ name, body: role });
    const status = await eventually("the gap in a refreshed status", async () => {
      const s = await refreshed();
      return s.manager.rbacGaps.length > 0 ? s : undefined;
    });
    expect(status.manager.rbacGaps).toEqual(["delete pods (core) cluster-wide"]);
  }, 120_000);
});
