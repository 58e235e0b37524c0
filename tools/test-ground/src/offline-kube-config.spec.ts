import { CoreV1Api } from "@kubernetes/client-node";
import { offlineKubeConfig } from "./offline-kube-config.js";

describe("offlineKubeConfig", () => {
  it("points at nothing, so a call through it fails instead of reaching a cluster", async () => {
    const kubeConfig = offlineKubeConfig();
    expect(kubeConfig.getCurrentCluster()?.server).toBe("https://127.0.0.1:1");
    await expect(kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: "default" })).rejects.toThrow();
  });
});
