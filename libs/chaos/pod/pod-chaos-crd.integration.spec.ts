// The generated PodChaos CRD judged by the real API server (the local cluster): Chaos Mesh's example
// manifests are accepted, and every bad spec is refused at admission, by the schema and the CEL
// rules (no webhook), with a message that names the field.
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name }, spec });

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "podchaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/podchaos`;
  await eventually("the PodChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the PodChaos CRD on a real API server", () => {
  it.each([
    ["pod-failure-example", { action: "pod-failure", mode: "one", duration: "30s", selector: { labelSelectors: { "app.kubernetes.io/component": "tikv" } } }],
    ["pod-kill-example", { action: "pod-kill", mode: "one", selector: { namespaces: ["tidb-cluster-demo"], labelSelectors: { "app.kubernetes.io/component": "tikv" } } }],
    ["container-kill-example", { action: "container-kill", mode: "one", containerNames: ["prometheus"], selector: { labelSelectors: { "app.kubernetes.io/component": "monitor" } } }],
    ["pod-kill-with-grace-period", { action: "pod-kill", mode: "fixed", value: "2", gracePeriod: 30, selector: {} }],
  ])("accepts Chaos Mesh's %s", async (name, spec) => {
    const created = await api.request("POST", path, { body: manifest(name, spec) });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject(spec);
  });

  it.each([
    [{ action: "pod-explode", mode: "one", selector: {} }, /spec\.action: Unsupported value: "pod-explode": supported values: "pod-kill", "pod-failure", "container-kill"/],
    [{ action: "pod-kill", mode: "one", gracePeriod: -1, selector: {} }, /spec\.gracePeriod: Invalid value: -1: spec\.gracePeriod in body should be greater than or equal to 0/],
    [{ action: "container-kill", mode: "one", selector: {} }, /spec\.containerNames: Required value: the name of container is required on container-kill action/],
    [{ action: "container-kill", mode: "one", containerNames: [], selector: {} }, /spec\.containerNames: Required value: the name of container is required on container-kill action/],
    [{ action: "pod-failure", mode: "one", duration: "30 seconds", selector: {} }, /spec\.duration: Invalid value: "30 seconds": spec\.duration in body should match/],
    [{ action: "pod-failure", mode: "one", remoteCluster: "other", selector: {} }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ action: "pod-kill", mode: "one", podDisruptionBudget: "Maybe", selector: {} }, /spec\.podDisruptionBudget: Unsupported value: "Maybe": supported values: "Wait", "Skip", "Ignore"/],
    [{ mode: "one", selector: {} }, /spec\.action: Required value/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(`bad-${Math.random().toString(36).slice(2, 8)}`, spec) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });

  it("prints the action", async () => {
    const table = await api.request("GET", path, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "action", "injected", "duration", "age"]);
  });
});
