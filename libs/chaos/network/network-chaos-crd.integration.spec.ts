// The generated NetworkChaos CRD judged by the real API server (the local cluster): Chaos Mesh's
// example manifests apply unchanged, defaults are filled as Chaos Mesh's webhook did, and every bad
// spec is refused at admission by the schema and the CEL rules, with a message naming the field.
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import { networkChaosExamples } from "./network-fixtures.test-support.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name }, spec });
const base = { mode: "one", selector: { namespaces: ["app"] } };

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "networkchaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/networkchaos`;
  await eventually("the NetworkChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the NetworkChaos CRD on a real API server", () => {
  it.each(Object.entries(networkChaosExamples()))("accepts Chaos Mesh's %s unchanged", async (file, example) => {
    // named after the file: several of Chaos Mesh's examples share a name
    const body = { ...example, metadata: { name: file } };
    const created = await api.request("POST", path, { body });
    expect(created.body.message).toBeUndefined();
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject(example.spec);
  });

  it("fills Chaos Mesh's defaults: direction to, correlations 0, jitter 0ms", async () => {
    const created = await api.request("POST", path, { body: manifest("defaults", { ...base, action: "delay", delay: { latency: "10ms" }, loss: { loss: "1" } }) });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ direction: "to", delay: { latency: "10ms", correlation: "0", jitter: "0ms" }, loss: { loss: "1", correlation: "0" } });
  });

  it.each([
    [{ action: "jam" }, /spec\.action: Unsupported value: "jam"/],
    [{ action: "delay" }, /spec\.delay: Required value: action delay needs spec\.delay/],
    [{ action: "loss" }, /spec\.loss: Required value: action loss needs spec\.loss/],
    [{ action: "bandwidth" }, /spec\.bandwidth: Required value: action bandwidth needs spec\.bandwidth/],
    [{ action: "netem" }, /action netem needs at least one of spec\.delay/],
    [{ action: "loss", loss: { loss: "101" } }, /spec\.loss\.loss: Invalid value: "string": must be a percentage between 0 and 100/],
    [{ action: "loss", loss: { loss: "25", correlation: "-1" } }, /spec\.loss\.correlation: Invalid value: "string": must be a percentage between 0 and 100/],
    [{ action: "loss", loss: { loss: "a lot" } }, /spec\.loss\.loss: Invalid value: "a lot": spec\.loss\.loss in body should match/],
    [{ action: "delay", delay: { latency: "10 ms" } }, /spec\.delay\.latency: Invalid value: "10 ms"/],
    [{ action: "delay", delay: { latency: "10ms", jitter: "1d" } }, /spec\.delay\.jitter: Invalid value: "1d"/],
    [{ action: "bandwidth", bandwidth: { rate: "1.5mbps", limit: 1, buffer: 1 } }, /spec\.bandwidth\.rate: Invalid value: "1.5mbps"/],
    [{ action: "bandwidth", bandwidth: { rate: "1mbps", limit: 0, buffer: 1 } }, /spec\.bandwidth\.limit: Invalid value: 0/],
    [{ action: "bandwidth", bandwidth: { rate: "1mbps", limit: 1 } }, /spec\.bandwidth\.buffer: Required value/],
    [{ action: "partition", duration: "ten seconds" }, /spec\.duration: Invalid value: "ten seconds"/],
    [{ action: "partition", direction: "sideways" }, /spec\.direction: Unsupported value: "sideways"/],
    [{ action: "delay", delay: { latency: "1ms" }, direction: "from" }, /spec\.direction: Invalid value: "object": `from` and `both` direction cannot be used when target is empty/],
    [
      { action: "loss", loss: { loss: "1" }, direction: "both", target: base, externalTargets: ["1.2.3.4"] },
      /spec\.externalTargets: Forbidden: external targets cannot be used with `from` and `both` direction of a tc action/,
    ],
    [{ action: "partition", externalTargets: ["not a host!"] }, /spec\.externalTargets\[0\]: Invalid value: "not a host!"/],
    [{ action: "partition", externalTargets: ["10.0.0.0/33"] }, /spec\.externalTargets\[0\]: Invalid value: "10\.0\.0\.0\/33"/],
    [{ action: "partition", externalTargets: ["example.com:99999"] }, /spec\.externalTargets\[0\]: Invalid value: "example\.com:99999"/],
    [{ action: "partition", externalTargets: ["1.1.1.1:80", "10.0.0.0/8:99999"] }, /spec\.externalTargets\[1\]: Invalid value: "10\.0\.0\.0\/8:99999"/],
    [{ action: "partition", externalTargets: ["10.0.0.0/33:22"] }, /spec\.externalTargets\[0\]: Invalid value: "10\.0\.0\.0\/33:22"/],
    [{ action: "partition", externalTargets: ["10.0.0.0/8:22; rm -rf /"] }, /spec\.externalTargets\[0\]: Invalid value: "10\.0\.0\.0\/8:22; rm -rf \/"/],
    [{ action: "partition", device: "eth0; rm -rf /" }, /spec\.device: Invalid value: "eth0; rm -rf \/": spec\.device in body should match/],
    [{ action: "partition", device: "eth0@if12; rm -rf /" }, /spec\.device: Invalid value: "eth0@if12; rm -rf \/"/],
    [{ action: "partition", device: "averyveryverylongname" }, /spec\.device: Invalid value: "averyveryverylongname"/],
    [{ action: "partition", direction: "both", target: base, targetDevice: "eth1 && reboot" }, /spec\.targetDevice: Invalid value: "eth1 && reboot"/],
    [{ action: "partition", remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(`bad-${Math.random().toString(36).slice(2, 8)}`, { ...base, ...spec }) });
    expect(rejected.body.message).toMatch(message);
    expect(rejected.status).toBe(422);
  });

  it.each([
    [["1.2.3.4", "10.0.0.0/8", "www.example.com", "example.com:443", "1.2.3.4:80", "2001:db8::1", "2001:db8::/32", "[2001:db8::1]:8080"]],
    [["8.8.8.8", "www.google.com", "8.8.0.0/16", "1.1.1.1:80", "example.com:443", "10.0.0.0/8:22", "[2001:db8::/32]:443"]],
  ])("accepts external targets as addresses, CIDRs and host names, with ports: %j", async (externalTargets) => {
    const created = await api.request("POST", path, { body: manifest(`external-${Math.random().toString(36).slice(2, 8)}`, { ...base, action: "partition", direction: "both", externalTargets }) });
    expect(created.body.message).toBeUndefined();
    expect(created.status).toBe(201);
  });

  it("accepts devices in the daemon's grammar, with the @peer ip link prints", async () => {
    const spec = { ...base, action: "partition", direction: "both", target: base, device: "eth0@if12", targetDevice: "net1" };
    const created = await api.request("POST", path, { body: manifest("devices", spec) });
    expect(created.body.message).toBeUndefined();
    expect(created.status).toBe(201);
  });

  it("prints the action and direction", async () => {
    const table = await api.request("GET", path, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "action", "direction", "injected", "duration", "age"]);
  });
});
