// Runs README.md's example (src/readme-example.ts) on the local cluster's API server against a real
// HTTP server; readme-example.spec.ts checks the README holds it verbatim.
import { CustomObjectsApi } from "@kubernetes/client-node";
import { silentLogger } from "@faultline/controller";
import { eventually, localCluster } from "@faultline/test-ground";
import { HttpTarget } from "./http-target.test-support.js";
import { statusCheckCluster, type StatusCheckCluster } from "./local-cluster.test-support.js";
import { readinessCheck, runStatusChecks } from "./readme-example.js";
import { statusCheckResource, type StatusCheck } from "./status-check.js";

let cluster: StatusCheckCluster;
const target = new HttpTarget();

beforeAll(async () => {
  cluster = await statusCheckCluster("statuscheck-readme");
  await target.start();
}, 300_000);
afterAll(async () => {
  await target.stop();
  await cluster?.remove();
}, 60_000);

test("a readiness check of a healthy URL completes with SuccessThresholdExceed", async () => {
  const { kubeconfigPath } = await localCluster("api-only");
  const stop = await runStatusChecks(kubeconfigPath, silentLogger());
  try {
    const { group, version, plural } = statusCheckResource;
    const body = readinessCheck(cluster.namespace, "web-ready", target.url());
    await cluster.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group, version, plural, namespace: cluster.namespace, body });
    const check: StatusCheck = await eventually("the check completed", async () => {
      const current = await cluster.get("web-ready");
      return current.status?.conditions?.some((c) => c.type === "Completed" && c.status === "True") ? current : undefined;
    }, 15_000, 100);
    expect(check.status?.conditions?.find((c) => c.type === "Completed")?.reason).toBe("StatusCheckSuccessThresholdExceed");
    expect(check.status?.count).toBe(1);
  } finally {
    await stop();
  }
}, 30_000);
