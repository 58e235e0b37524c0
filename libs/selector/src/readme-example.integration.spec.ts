// Runs README.md's example (src/readme-example.ts) against the local cluster's API server;
// readme-example.spec.ts checks the README holds it verbatim.
import type { ChaosResource, ContainerSelector } from "@faultline/api";
import { ClusterObjects, localClusterKubeConfig } from "./local-cluster.test-support.js";
import { describeTargets } from "./readme-example.js";

/** A chaos object whose spec inlines a ContainerSelector, as HelloWorldChaos does. */
type HelloWorldChaos = ChaosResource<"HelloWorldChaos", ContainerSelector & { duration?: string }>;

/** Starting the local cluster, when it is not up yet, takes minutes. */
const clusterTimeoutMs = 300_000;

let objects: ClusterObjects;
let kubeconfigPath: string;
let busybox: string;

beforeAll(async () => {
  const cluster = await localClusterKubeConfig();
  kubeconfigPath = cluster.kubeconfigPath;
  objects = new ClusterObjects(cluster.kubeConfig);
  busybox = await objects.namespace("busybox");
  const node = await objects.node("readme");
  await Promise.all(
    [0, 1].map((i) =>
      objects.pod({
        namespace: busybox,
        name: `busybox-${i}`,
        nodeName: node.metadata!.name!,
        containers: ["busybox"],
        containerIds: i === 0 ? { busybox: `containerd://${"a".repeat(64)}` } : {},
      }),
    ),
  );
}, clusterTimeoutMs);

afterAll(async () => {
  await objects?.deleteAll();
}, 60_000);

/** The seed's HelloWorldChaos, with its namespace made unique to this run. */
function seedChaos(namespace: string): HelloWorldChaos {
  return {
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HelloWorldChaos",
    metadata: { name: "busybox-helloworld-chaos", namespace },
    spec: { selector: { namespaces: [namespace] }, mode: "all" },
  };
}

describe("README example", () => {
  test("describes the seed chaos's targets", async () => {
    expect(await describeTargets(kubeconfigPath, seedChaos(busybox))).toEqual([
      `${busybox}/busybox-0/busybox @ sel-${objects.run}-readme: containerd://${"a".repeat(64)}`,
      `${busybox}/busybox-1/busybox @ sel-${objects.run}-readme: not started`,
    ]);
  });

  test("returns nothing when no pod matches", async () => {
    expect(await describeTargets(kubeconfigPath, { ...seedChaos(busybox), spec: { selector: { labelSelectors: { app: "none" } }, mode: "all" } })).toEqual([]);
  });

  test("passes other selector errors through", async () => {
    await expect(
      describeTargets(kubeconfigPath, { ...seedChaos(busybox), spec: { selector: {}, mode: "fixed-percent", value: "0" } }),
    ).rejects.toMatchObject({ reason: "InvalidValue" });
  });
});
