// Runs README.md's second example (src/readme-cached-example.ts) against the local cluster's API
// server; readme-example.spec.ts checks the README holds it verbatim.
import { ClusterObjects, localClusterKubeConfig } from "./local-cluster.test-support.js";
import { runningPodsOnNode } from "./readme-cached-example.js";

let objects: ClusterObjects;
let kubeconfigPath: string;
let shop: string;
let nodeName: string;

beforeAll(async () => {
  const cluster = await localClusterKubeConfig();
  kubeconfigPath = cluster.kubeconfigPath;
  objects = new ClusterObjects(cluster.kubeConfig);
  shop = await objects.namespace("cached-readme");
  nodeName = (await objects.node("cached-readme")).metadata!.name!;
  const other = (await objects.node("cached-readme-other")).metadata!.name!;
  await objects.pod({ namespace: shop, name: "web-0", nodeName });
  await objects.pod({ namespace: shop, name: "web-1", nodeName, phase: "Pending" });
  await objects.pod({ namespace: shop, name: "web-2", nodeName: other });
  await objects.pod({ namespace: shop, name: "web-3", nodeName });
}, 300_000);

afterAll(async () => {
  await objects?.deleteAll();
}, 60_000);

test("README cached example: the running pods of the namespace on the node, from the watch's store", async () => {
  expect(await runningPodsOnNode(kubeconfigPath, shop, nodeName)).toEqual([`${shop}/web-0`, `${shop}/web-3`]);
});
