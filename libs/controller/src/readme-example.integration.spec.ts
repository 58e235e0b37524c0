// Runs README.md's example (src/readme-example.ts) against the local cluster's API server;
// readme-example.spec.ts checks the README holds it verbatim.
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { clusterTimeoutMs, localClusterKubeConfig, TestResource, until } from "./local-cluster.test-support.js";
import type { ObjectKey } from "./object-key.js";
import { startController } from "./readme-example.js";

let kubeConfig: KubeConfig;
let kubeconfigPath: string;
let resource: TestResource;
let namespace: string;

beforeAll(async () => {
  ({ kubeConfig, kubeconfigPath } = await localClusterKubeConfig());
  resource = new TestResource(kubeConfig, "gadgets");
  await resource.install();
  namespace = await resource.namespace("readme");
}, clusterTimeoutMs);

afterAll(async () => {
  await resource?.cleanUp();
}, 120_000);

describe("README example", () => {
  test("reconciles existing and new objects, retries a failing one, and stops cleanly", async () => {
    await resource.create(namespace, "existing");
    const seen: string[] = [];
    let failOnce = true;
    const stop = await startController({
      kubeconfigPath,
      group: resource.group,
      version: resource.version,
      plural: resource.plural,
      leaseNamespace: namespace,
      identity: "readme-example",
      reconcile: async (key: ObjectKey) => {
        seen.push(`${key.namespace}/${key.name}`);
        if (key.name === "flaky" && failOnce) {
          failOnce = false;
          throw new Error("first attempt fails");
        }
      },
    });
    try {
      await until(() => seen.includes(`${namespace}/existing`), 30_000, "the existing object reconciled");
      await resource.create(namespace, "flaky");
      await until(() => seen.filter((k) => k === `${namespace}/flaky`).length >= 2, 10_000, "the failing object retried");
    } finally {
      await stop();
    }
    // stopping released the Lease, so a successor takes over at once
    const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: `${resource.plural}-controller`, namespace });
    expect(lease.spec?.holderIdentity).toBe("");
  }, 60_000);
});
