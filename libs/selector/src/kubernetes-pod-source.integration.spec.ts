// Selection against the local cluster's real API server: the same selectors through the
// Kubernetes source (label and field selectors evaluated by the server) and through the in-memory
// source over the same objects must agree, and both must give the expected pods.
import type { PodSelectorSpec } from "@faultline/api";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { createInMemoryPodSource } from "./in-memory-pod-source.js";
import { createKubernetesPodSource } from "./kubernetes-pod-source.js";
import { ClusterObjects, localClusterKubeConfig } from "./local-cluster.test-support.js";
import { names } from "./pod-fixtures.test-support.js";
import type { PodSource } from "./pod-source.js";
import { selectPods } from "./select-pods.js";
import { selectContainerTargets } from "./select-targets.js";

/** Starting the local cluster, when it is not up yet, takes minutes. */
const clusterTimeoutMs = 300_000;

let objects: ClusterObjects;
let source: PodSource;
let pagedSource: PodSource;
let snapshot: PodSource;
let shop: string;
let blog: string;
let open: string;
let n1: string;
let n2: string;
let n3: string;
const containerId = (n: number): string => `containerd://${String(n).repeat(64)}`;

beforeAll(async () => {
  const { kubeConfig } = await localClusterKubeConfig();
  objects = new ClusterObjects(kubeConfig);
  source = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api));
  pagedSource = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api), { pageSize: 2 });
  [shop, blog, open] = await Promise.all([
    objects.namespace("shop"),
    objects.namespace("blog"),
    objects.namespace("open", { "chaos-mesh.org/inject": "enabled" }),
  ]);
  const nodes = await Promise.all([
    objects.node("n1", { zone: "a", disk: "ssd" }),
    objects.node("n2", { zone: "a" }),
    objects.node("n3", { zone: "b", disk: "ssd" }),
  ]);
  [n1, n2, n3] = nodes.map((n) => n.metadata!.name!) as [string, string, string];
  const pods: V1Pod[] = await Promise.all([
    objects.pod({ namespace: shop, name: "web-0", labels: { app: "web", tier: "front" }, nodeName: n1, annotations: { team: "a" }, containers: ["nginx", "exporter"], containerIds: { nginx: containerId(1), exporter: containerId(2) } }),
    objects.pod({ namespace: shop, name: "web-1", labels: { app: "web", tier: "front" }, nodeName: n2, phase: "Pending" }),
    objects.pod({ namespace: shop, name: "db-0", labels: { app: "db", tier: "back" }, nodeName: n2, annotations: { team: "b" } }),
    objects.pod({ namespace: shop, name: "job-0", labels: { app: "job" }, nodeName: n3, phase: "Succeeded" }),
    objects.pod({ namespace: shop, name: "bad-0", labels: { app: "job" }, nodeName: n3, phase: "Failed" }),
    objects.pod({ namespace: blog, name: "web-0", labels: { app: "web" }, nodeName: n1, annotations: { team: "a" } }),
    objects.pod({ namespace: blog, name: "db-0", labels: { app: "db" }, nodeName: n3 }),
    objects.pod({ namespace: open, name: "web-0", labels: { app: "web" }, nodeName: n1 }),
  ]);
  const [nodeList, namespaceList] = await Promise.all([
    objects.api.listNode({ labelSelector: `faultline.test/run=${objects.run}` }),
    Promise.all([shop, blog, open].map((name) => objects.api.readNamespace({ name }))),
  ]);
  snapshot = createInMemoryPodSource({ pods, nodes: nodeList.items, namespaces: namespaceList });
}, clusterTimeoutMs);

afterAll(async () => {
  await objects?.deleteAll();
}, 60_000);

async function selectBoth(selector: PodSelectorSpec, namespaceFilter = false): Promise<string[]> {
  const options = { defaultNamespace: shop, namespaceFilter };
  const fromServer = names(await selectPods(source, selector, options));
  expect(names(await selectPods(pagedSource, selector, options))).toEqual(fromServer);
  expect(names(await selectPods(snapshot, selector, options)).sort()).toEqual([...fromServer].sort());
  return fromServer.sort();
}

const sorted = (list: string[]): string[] => [...list].sort();

describe("selection against the API server", () => {
  it("defaults to the chaos object's namespace, and reads several pages", async () => {
    expect(await selectBoth({})).toEqual(sorted([`${shop}/web-0`, `${shop}/web-1`, `${shop}/db-0`, `${shop}/job-0`, `${shop}/bad-0`]));
  });

  it("lists several namespaces", async () => {
    expect(await selectBoth({ namespaces: [blog, open] })).toEqual(sorted([`${blog}/web-0`, `${blog}/db-0`, `${open}/web-0`]));
  });

  it("sends labelSelectors and expressionSelectors to the server", async () => {
    expect(
      await selectBoth({
        namespaces: [shop, blog],
        labelSelectors: { app: "web" },
        expressionSelectors: [{ key: "tier", operator: "NotIn", values: ["back"] }, { key: "tier", operator: "Exists" }],
      }),
    ).toEqual(sorted([`${shop}/web-0`, `${shop}/web-1`]));
    expect(
      await selectBoth({ namespaces: [shop, blog], expressionSelectors: [{ key: "tier", operator: "DoesNotExist" }] }),
    ).toEqual(sorted([`${shop}/job-0`, `${shop}/bad-0`, `${blog}/web-0`, `${blog}/db-0`]));
  });

  it("sends fieldSelectors to the server", async () => {
    expect(await selectBoth({ fieldSelectors: { "status.phase": "Pending" } })).toEqual([`${shop}/web-1`]);
    expect(await selectBoth({ fieldSelectors: { "metadata.name": "db-0", "spec.nodeName": n2 } })).toEqual([`${shop}/db-0`]);
  });

  it("reports a field the server cannot select pods by as InvalidSelector", async () => {
    await expect(selectPods(source, { fieldSelectors: { "spec.containers": "x" } }, { defaultNamespace: shop })).rejects.toMatchObject({
      name: "SelectorError",
      reason: "InvalidSelector",
      message: expect.stringMatching(/the API server rejected the selector: .*spec\.containers/),
    });
  });

  it("filters annotations and phases", async () => {
    expect(await selectBoth({ namespaces: [shop, blog], annotationSelectors: { team: "a" } })).toEqual(sorted([`${shop}/web-0`, `${blog}/web-0`]));
    expect(await selectBoth({ podPhaseSelectors: ["Pending", "Succeeded"] })).toEqual(sorted([`${shop}/web-1`, `${shop}/job-0`]));
    expect(await selectBoth({ podPhaseSelectors: ["!Running", "!Failed"] })).toEqual(sorted([`${shop}/web-1`, `${shop}/job-0`]));
  });

  it("takes pods on nodes ∪ nodeSelectors, across namespaces", async () => {
    expect(await selectBoth({ namespaces: [shop, blog, open], nodes: [n1] })).toEqual(sorted([`${shop}/web-0`, `${blog}/web-0`, `${open}/web-0`]));
    expect(await selectBoth({ namespaces: [shop, blog], nodeSelectors: { disk: "ssd", "faultline.test/run": objects.run } })).toEqual(
      sorted([`${shop}/web-0`, `${shop}/job-0`, `${shop}/bad-0`, `${blog}/web-0`, `${blog}/db-0`]),
    );
    expect(await selectBoth({ nodes: [n2], nodeSelectors: { zone: "b", "faultline.test/run": objects.run } })).toEqual(
      sorted([`${shop}/web-1`, `${shop}/db-0`, `${shop}/job-0`, `${shop}/bad-0`]),
    );
    expect(await selectBoth({ nodeSelectors: { zone: "nowhere" } })).toEqual([]);
  });

  it("takes exactly the listed pods, skipping missing ones", async () => {
    expect(await selectBoth({ pods: { [blog]: ["db-0", "gone"], [shop]: ["web-1"] }, labelSelectors: { app: "nothing" } })).toEqual(
      sorted([`${blog}/db-0`, `${shop}/web-1`]),
    );
  });

  it("applies the namespace filter from real namespace annotations", async () => {
    expect(await selectBoth({ namespaces: [shop, blog, open, `sel-${objects.run}-missing`] }, true)).toEqual([`${open}/web-0`]);
    expect(await selectBoth({}, true)).toEqual([]);
    expect(await selectBoth({ pods: { [open]: ["web-0"], [shop]: ["web-0"] } }, true)).toEqual([`${open}/web-0`]);
  });

  it("selects containers with their ids from pod status", async () => {
    const targets = await selectContainerTargets(
      source,
      { selector: { labelSelectors: { app: "web", tier: "front" } }, mode: "all", containerNames: ["exporter", "nginx"] },
      { defaultNamespace: shop },
    ).catch((error: unknown) => error);
    expect(targets).toMatchObject({ reason: "ContainerNotFound", message: expect.stringContaining(`in pod ${shop}/web-1`) });

    const web0 = await selectContainerTargets(
      source,
      { selector: { pods: { [shop]: ["web-0"] } }, mode: "one", containerNames: ["exporter", "nginx"] },
      { defaultNamespace: shop },
    );
    expect(web0).toEqual([
      expect.objectContaining({ recordId: `${shop}/web-0/exporter`, containerId: containerId(2), nodeName: n1 }),
      expect.objectContaining({ recordId: `${shop}/web-0/nginx`, containerId: containerId(1), nodeName: n1 }),
    ]);
  });
});
