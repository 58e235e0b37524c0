import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ensureCluster, stopCluster } from "../../local-cluster/handle.mjs";
import { apiRequest } from "./api-request.js";
import { objectsInNamespace } from "./api-resources.js";
import { deployBusybox } from "./busybox-deployment.js";
import { applyCrds } from "./chaos-crds.js";
import { localCluster } from "./local-cluster.js";
import { requireRealParts } from "./test-tier.js";
import { deleteTestNamespace } from "./test-namespace.js";

const helloworld = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
/** The one chaos CRD these tests need (the HelloWorldChaos kind's, as generated). */
const helloworldCrd = () => parse(readFileSync(new URL("../../../libs/chaos/crds/chaos-mesh.org_helloworldchaos.yaml", import.meta.url), "utf8"));
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/** A HelloWorldChaos whose finalizer no manager will remove (none runs). */
async function heldChaos(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  await kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...helloworld,
    namespace,
    body: {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "HelloWorldChaos",
      metadata: { name: "held", finalizers: ["chaos-mesh/records"] },
      spec: { selector: { namespaces: [namespace] }, mode: "all" },
    },
  });
}

async function namespaceOf(kubeConfig: KubeConfig, name: string): Promise<{ status: number; phase?: string }> {
  const res = await apiRequest(kubeConfig, "GET", `/api/v1/namespaces/${name}`);
  return { status: res.status, phase: res.body?.status?.phase };
}

describe("deleteTestNamespace on the local cluster (with its namespace controller)", () => {
  let kubeConfig: KubeConfig;
  beforeAll(async () => {
    kubeConfig = (await localCluster("full")).kubeConfig;
    await applyCrds(kubeConfig, [helloworldCrd()]);
  }, 300_000);

  it("waits until the namespace controller has removed everything, even what a slow finalizer holds; the name is then free again", async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const name = unique("tg-delete");
    await core.createNamespace({ body: { metadata: { name } } });
    await deployBusybox(kubeConfig, name, { replicas: 2 }); // a Deployment, its ReplicaSet, 2 kubelet pods
    await heldChaos(kubeConfig, name);
    // an object whose controller lets it go only after 6 s: forcing the namespace away before
    // that (as a finalizer cleared after 3 s did) leaves it, and the Deployment, in etcd
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: "held", finalizers: ["test.faultline.dev/held"] }, data: { a: "b" } } });
    let releasedAt: number | undefined;
    const release = setTimeout(() => {
      void apiRequest(kubeConfig, "PATCH", `/api/v1/namespaces/${name}/configmaps/held`, {
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      }).then((res) => {
        if (res.status === 200) releasedAt = Date.now();
      });
    }, 6_000);
    const started = Date.now();
    try {
      await deleteTestNamespace(kubeConfig, name);
    } finally {
      clearTimeout(release);
    }
    const returnedAt = Date.now();
    console.log(`deleteTestNamespace with a finalizer held 6 s: ${returnedAt - started} ms`);
    expect(releasedAt).toBeDefined();
    expect(returnedAt).toBeGreaterThanOrEqual(releasedAt!);
    expect(await namespaceOf(kubeConfig, name)).toEqual({ status: 404, phase: undefined });
    expect(await objectsInNamespace(kubeConfig, name)).toEqual([]);

    // the same name again, as the demo's second run uses it: nothing of the first collides
    const again = Date.now();
    await core.createNamespace({ body: { metadata: { name } } });
    await deployBusybox(kubeConfig, name, { replicas: 1 });
    await deleteTestNamespace(kubeConfig, name);
    console.log(`the name again, a busybox Deployment in it, deleted: ${Date.now() - again} ms`);
    expect(await namespaceOf(kubeConfig, name)).toEqual({ status: 404, phase: undefined });
    expect(await objectsInNamespace(kubeConfig, name)).toEqual([]);
  }, 120_000);

  it("returns at once for a namespace that does not exist", async () => {
    await expect(deleteTestNamespace(kubeConfig, unique("tg-absent"))).resolves.toBeUndefined();
  }, 30_000);
});

// A private api-only cluster (etcd + kube-apiserver, no kube-controller-manager) in a directory,
// ports and cgroup root of its own, as tools/local-cluster/test/handle.test.mjs runs one: the shared
// cluster is never touched.
describe("deleteTestNamespace on a cluster without a namespace controller (api-only)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tg-api-only-"));
  const env = {
    ...process.env,
    FAULTLINE_CLUSTER_DIR: dir,
    FAULTLINE_APISERVER_PORT: "18443",
    FAULTLINE_ETCD_PORT: "18479",
    FAULTLINE_KCM_PORT: "18257",
    FAULTLINE_SCHEDULER_PORT: "18259",
    FAULTLINE_KUBELET_PORT: "18250",
    FAULTLINE_KUBELET_HEALTHZ_PORT: "18248",
    FAULTLINE_NODE_NAME: "tg-api-only-node",
    FAULTLINE_CGROUP_ROOT: "faultline-tg-api-only",
    FAULTLINE_KUBE_PROXY: "0",
  };
  let kubeConfig: KubeConfig;
  beforeAll(async () => {
    requireRealParts("a private api-only cluster");
    const { kubeconfigPath, mode } = await ensureCluster({ mode: "api-only", env, progress: false });
    expect(mode).toBe("api-only");
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    await applyCrds(kubeConfig, [helloworldCrd()]);
  }, 300_000);
  afterAll(async () => {
    await stopCluster({ env, progress: false });
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("empties the namespace itself (pods bound to a node that has no kubelet too) and leaves it Terminating, without forcing its finalizer", async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const name = unique("tg-api-only");
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedPod({
      namespace: name,
      body: { metadata: { name: "bound" }, spec: { nodeName: "no-such-node", containers: [{ name: "c", image: "docker.io/library/busybox:latest" }] } },
    });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: "plain" }, data: { a: "b" } } });
    await heldChaos(kubeConfig, name);
    expect((await objectsInNamespace(kubeConfig, name)).map((o) => `${o.resource}/${o.name}`).sort()).toEqual(
      ["configmaps/plain", "helloworldchaos/held", "pods/bound"],
    );

    const started = Date.now();
    await deleteTestNamespace(kubeConfig, name);
    console.log(`deleteTestNamespace without a namespace controller: ${Date.now() - started} ms`);
    expect(await objectsInNamespace(kubeConfig, name)).toEqual([]);
    const ns = await core.readNamespace({ name });
    expect(ns.status?.phase).toBe("Terminating");
    expect(ns.spec?.finalizers).toEqual(["kubernetes"]); // the namespace's own finalizer, never forced
    await expect(core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: "late" } } })).rejects.toMatchObject({ code: 403 });
  }, 60_000);
});
