// Runs README.md's library example against the local cluster's API server.
import { localCluster } from "@faultline/test-ground";
import { namespacesThroughTheDashboard } from "./readme-example.test-support.js";

describe("README example", () => {
  it("lists the cluster's namespaces through the dashboard with the kubeconfig's credentials", async () => {
    const cluster = await localCluster("api-only");
    const names = await namespacesThroughTheDashboard(cluster.kubeconfigPath);
    expect(names).toEqual(expect.arrayContaining(["default", "kube-system"]));
  });
});
