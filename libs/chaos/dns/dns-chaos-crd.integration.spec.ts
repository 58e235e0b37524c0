// The generated DNSChaos CRD judged by the real API server (the local cluster): Chaos Mesh's
// example manifest is accepted unchanged (but for its namespace), and a bad action or pattern is
// refused at admission, by the schema and the CEL rule (no webhook), with a message that names the
// field and the offending pattern.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import type { DNSChaos } from "./dns-chaos-crd.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "DNSChaos", metadata: { name }, spec });
const base = { selector: { namespaces: ["busybox"] }, mode: "all", action: "error" };
const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "dnschaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/dnschaos`;
  await eventually("the DNSChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the DNSChaos CRD on a real API server", () => {
  it("accepts Chaos Mesh's dns-chaos-example.yaml unchanged", async () => {
    const example: DNSChaos = parse(readFileSync(new URL("./examples/dns-chaos-example.yaml", import.meta.url), "utf8"));
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: { ...example, metadata: { ...example.metadata, namespace: ns.name } } });
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual(example.spec);
  });

  it.each([
    ["no patterns (every name)", {}],
    ["an empty list", { patterns: [] }],
    ["random", { action: "random", patterns: ["api.example.test"] }],
    ["every pattern form", { patterns: ["*", "api.example.test", "API.Example.Test", "_srv._tcp.example.test", "a?c.*", "exam*", "example.*", "x-1.y_2"] }],
    // the longest patterns and the most of them: the CEL rule stays within the API server's cost budget
    ["the most and longest patterns", { patterns: Array.from({ length: 64 }, () => [..."abc"].map((c) => c.repeat(63)).join(".") + "." + "d".repeat(61)) }],
  ])("accepts %s", async (_what, spec) => {
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: manifest(name("ok"), { ...base, ...spec }) });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
  });

  it.each([
    [{ action: "delay" }, /spec\.action: Unsupported value: "delay": supported values: "error", "random"/],
    [{ action: undefined }, /spec\.action: Required value/],
    [{ patterns: ["google.com", "chaos-mesh.*x"] }, /spec\.patterns: Invalid value: "array": "chaos-mesh\.\*x" is not a domain pattern: .*'\*' only as the last character/],
    [{ patterns: ["*.example.test"] }, /spec\.patterns: Invalid value: "array": "\*\.example\.test" is not a domain pattern/],
    [{ patterns: ["exa mple.com"] }, /spec\.patterns: Invalid value: "array": "exa mple\.com" is not a domain pattern/],
    [{ patterns: ["a..b"] }, /spec\.patterns: Invalid value: "array": "a\.\.b" is not a domain pattern/],
    [{ patterns: [""] }, /spec\.patterns: Invalid value: "array": "" is not a domain pattern/],
    [{ patterns: ["a".repeat(254)] }, /spec\.patterns\[0\]: Too long: may not be (longer than|more than) 253/],
    [{ patterns: Array(65).fill("a.test") }, /spec\.patterns: Too many: 65: must have at most 64 items/],
    [{ remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ duration: "30 seconds" }, /spec\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(name("bad"), { ...base, ...spec }) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });
});
