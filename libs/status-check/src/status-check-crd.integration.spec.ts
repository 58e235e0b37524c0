// The StatusCheck CRD judged by the real API server (the local cluster, api-only): accepted,
// Chaos Mesh's defaults applied, Chaos Mesh-style manifests accepted unchanged, and every bad spec
// refused at admission (schema and CEL, no webhook) with a message that names the field.
import { statusCheckCluster, tableRows, type StatusCheckCluster } from "./local-cluster.test-support.js";

let cluster: StatusCheckCluster;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const http = { url: "http://web.shop.svc:8080/healthz", criteria: { statusCode: "200" } };

beforeAll(async () => {
  cluster = await statusCheckCluster("statuscheck-crd");
}, 300_000);
afterAll(() => cluster?.remove(), 60_000);

describe("the StatusCheck CRD on a real API server", () => {
  it("fills in Chaos Mesh's defaults", async () => {
    const created = await cluster.create(unique("defaults"), { http });
    expect(created.spec).toEqual({
      mode: "Synchronous",
      type: "HTTP",
      timeoutSeconds: 1,
      intervalSeconds: 10,
      failureThreshold: 3,
      successThreshold: 1,
      recordsHistoryLimit: 100,
      http: { ...http, method: "GET" },
    });
  });

  it.each([
    ["Chaos Mesh's example (Continuous, POST, headers, body, a range)", {
      mode: "Continuous",
      type: "HTTP",
      duration: "30m",
      intervalSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 1,
      recordsHistoryLimit: 10,
      http: { url: "https://api.example.com/health", method: "POST", headers: { "Content-Type": ["application/json"], "X-Trace": ["a", "b"] }, body: '{"check":true}', criteria: { statusCode: "200-399" } },
    }],
    ["a Synchronous check of one code", { mode: "Synchronous", http: { url: "http://10.0.0.7/ready", criteria: { statusCode: "204" } } }],
  ])("accepts %s unchanged", async (_what, spec) => {
    const created = await cluster.create(unique("ok"), spec);
    expect(created.spec).toMatchObject(spec);
  });

  it.each([
    [{}, /spec\.http: Required value: the http check is required/],
    [{ http: { ...http, url: "ftp://files.example.com/x" } }, /spec\.http\.url: Invalid value: "string": must be an absolute http:\/\/ or https:\/\/ URL with a host/],
    [{ http: { ...http, url: "not a url" } }, /spec\.http\.url: Invalid value: "string": must be an absolute http:\/\/ or https:\/\/ URL/],
    [{ http: { ...http, url: "/healthz" } }, /spec\.http\.url: Invalid value: "string": must be an absolute http:\/\/ or https:\/\/ URL/],
    [{ http: { ...http, criteria: { statusCode: "2xx" } } }, /spec\.http\.criteria\.statusCode: Invalid value: "string": must be a status code such as "200" or an inclusive range such as "200-399"/],
    [{ http: { ...http, criteria: { statusCode: "399-200" } } }, /spec\.http\.criteria\.statusCode: Invalid value: "string": status codes must be between 1 and 999, and a range must not end below its start/],
    [{ http: { ...http, criteria: { statusCode: "0" } } }, /spec\.http\.criteria\.statusCode: Invalid value: "string": status codes must be between 1 and 999/],
    [{ http: { ...http, criteria: {} } }, /spec\.http\.criteria\.statusCode: Required value/],
    [{ http: { criteria: { statusCode: "200" } } }, /spec\.http\.url: Required value/],
    [{ http: { ...http, method: "PUT" } }, /spec\.http\.method: Unsupported value: "PUT": supported values: "GET", "POST"/],
    [{ http, mode: "Sometimes" }, /spec\.mode: Unsupported value: "Sometimes"/],
    [{ http, type: "TCP" }, /spec\.type: Unsupported value: "TCP"/],
    [{ http, failureThreshold: 0 }, /spec\.failureThreshold: Invalid value: 0: spec\.failureThreshold in body should be greater than or equal to 1/],
    [{ http, successThreshold: 0 }, /spec\.successThreshold: Invalid value: 0: spec\.successThreshold in body should be greater than or equal to 1/],
    [{ http, intervalSeconds: 0 }, /spec\.intervalSeconds: Invalid value: 0: spec\.intervalSeconds in body should be greater than or equal to 1/],
    [{ http, timeoutSeconds: 0 }, /spec\.timeoutSeconds: Invalid value: 0: spec\.timeoutSeconds in body should be greater than or equal to 1/],
    [{ http, timeoutSeconds: 61 }, /spec\.timeoutSeconds: Invalid value: 61: spec\.timeoutSeconds in body should be less than or equal to 60/],
    [{ http, recordsHistoryLimit: 1001 }, /spec\.recordsHistoryLimit: Invalid value: 1001: spec\.recordsHistoryLimit in body should be less than or equal to 1000/],
    [{ http, recordsHistoryLimit: 2 }, /spec\.recordsHistoryLimit: Invalid value: "object": recordsHistoryLimit must be at least failureThreshold and successThreshold/],
    [{ http, duration: "5 minutes" }, /spec\.duration: Invalid value: "5 minutes"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const refused = await cluster.create(unique("bad"), spec).then(
      () => undefined,
      (error: { code?: number; body?: string }) => error,
    );
    expect(refused?.code).toBe(422);
    expect(JSON.parse(refused!.body!).message).toMatch(message);
  });

  it("prints mode, url, count, the latest outcome, why it completed, and age", async () => {
    const name = unique("columns");
    await cluster.create(name, { mode: "Continuous", http });
    const rows = await tableRows(cluster.kubeConfig, `/apis/chaos-mesh.org/v1alpha1/namespaces/${cluster.namespace}/statuschecks`);
    const row = rows.find((r) => r["Name"] === name);
    expect(Object.keys(row!)).toEqual(["Name", "mode", "url", "count", "last", "completed", "age"]);
    expect(row).toMatchObject({ mode: "Continuous", url: http.url });
  });
});
