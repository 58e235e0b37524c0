// createKubernetesChaosObjectClient against a real HTTP server standing in for the API server: a
// 404 is "gone" only when its Status names the object. A 404 naming nothing is what a kube-apiserver
// that has just started (or is going away) can answer for a custom resource it serves; taking it for
// "deleted" made the pipeline drop an experiment half-applied until the next resync.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { ChaosObject } from "@faultline/impl-registry";
import { createKubernetesChaosObjectClient, ObjectGoneError } from "./chaos-object-client.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const base = "/apis/chaos-mesh.org/v1alpha1/namespaces/ns/helloworldchaos";
const status = (details: object) => ({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", details, code: 404 });

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.statusCode = 404;
  if (req.url?.startsWith(`${base}/deleted`)) res.end(JSON.stringify({ ...status({ name: "deleted", group: "chaos-mesh.org", kind: "helloworldchaos" }), message: 'helloworldchaos.chaos-mesh.org "deleted" not found' }));
  else res.end(JSON.stringify({ ...status({}), message: "the server could not find the requested resource" }));
});
let client: ReturnType<typeof createKubernetesChaosObjectClient>;
const obj = (name: string): ChaosObject => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { namespace: "ns", name, resourceVersion: "1" }, spec: {} }) as ChaosObject;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  client = createKubernetesChaosObjectClient(kubeConfig.makeApiClient(CustomObjectsApi));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("createKubernetesChaosObjectClient", () => {
  it("answers undefined, and throws ObjectGoneError on writes, for a 404 that names the object", async () => {
    expect(await client.get(resource, "ns", "deleted")).toBeUndefined();
    await expect(client.replaceStatus(resource, obj("deleted"))).rejects.toBeInstanceOf(ObjectGoneError);
    await expect(client.replace(resource, obj("deleted"))).rejects.toBeInstanceOf(ObjectGoneError);
  });

  it("throws the error itself (retried) for a 404 that names no object", async () => {
    await expect(client.get(resource, "ns", "exp")).rejects.toMatchObject({ code: 404 });
    const write = client.replaceStatus(resource, obj("exp"));
    await expect(write).rejects.toMatchObject({ code: 404 });
    await expect(write).rejects.not.toBeInstanceOf(ObjectGoneError);
  });
});
