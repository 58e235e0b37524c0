// The generated HTTPChaos CRD judged by the real API server (the local cluster): the examples (Chaos
// Mesh's http-patch-response shape among them) are accepted unchanged but for their namespace, and
// every malformed field is refused at admission, by the schema and the CEL rules (no webhook), with a
// message that names the field. The Workflow and Schedule CRDs embed HTTPChaos's spec: applying them
// (applyChaosCrds) and creating one of each with an HTTPChaos in it shows the CEL rules stay within
// the API server's cost budget there too.
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import { httpPatchBodyValueMaxLength, type HTTPChaos } from "./http-chaos-crd.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "HTTPChaos", metadata: { name }, spec });
const base = { selector: { namespaces: ["nginx"] }, mode: "all", target: "Response", port: 80, abort: true };
const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const examples = readdirSync(new URL("./examples/", import.meta.url)).filter((f) => f.endsWith(".yaml")).sort();

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "httpchaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/httpchaos`;
  await eventually("the HTTPChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the HTTPChaos CRD on a real API server", () => {
  it.each(examples)("accepts examples/%s unchanged", async (file) => {
    const example: HTTPChaos = parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), "utf8"));
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: { ...example, metadata: { ...example.metadata, namespace: ns.name } } });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
    expect(created.body.spec).toEqual(example.spec);
  });

  it.each([
    ["every selector field and every action on a response", { code: 200, path: "/api/*", method: "GET", request_headers: { Accept: "application/json" }, response_headers: { "Content-Type": "application/json" }, delay: "1.5s", replace: { code: 503, body: "c2VydmljZSB1bmF2YWlsYWJsZQ==", headers: { A: "b" } }, patch: { headers: [["X-A", "1"]], body: { type: "JSON", value: '{"a": [1, {"b": null}]}' } } }],
    ["every action on a request", { target: "Request", replace: { path: "/v2", method: "POST", queries: { a: "1" }, body: "" }, patch: { queries: [["b", "2"]], headers: [["X-B", "2"]], body: { type: "JSON", value: "[1]" } } }],
    ["port 1 and 65535", { port: 65535 }],
    ["tls with every field", { tls: { secretName: "server-tls", secretNamespace: "other", certName: "c.pem", keyName: "k.pem", caName: "ca.pem" } }],
    // the longest patch value: the CEL rule stays within the API server's cost budget
    ["the longest patch body value", { patch: { body: { type: "JSON", value: `{"a": "${"x".repeat(httpPatchBodyValueMaxLength - 9)}"}` } } }],
  ])("accepts %s", async (_what, spec) => {
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: manifest(name("ok"), { ...base, ...spec }) });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
  });

  it.each([
    [{ target: "Both" }, /spec\.target: Unsupported value: "Both": supported values: "Request", "Response"/],
    [{ target: undefined }, /spec\.target: Required value/],
    [{ port: undefined }, /spec\.port: Required value/],
    [{ port: 0 }, /spec\.port: Invalid value: 0: spec\.port in body should be greater than or equal to 1/],
    [{ port: 65536 }, /spec\.port: Invalid value: 65536: spec\.port in body should be less than or equal to 65535/],
    [{ method: "FETCH" }, /spec\.method: Unsupported value: "FETCH"/],
    [{ delay: "1 second" }, /spec\.delay: Invalid value: "1 second"/],
    [{ abort: undefined }, /spec\.abort: Required value: at least one action is required/],
    [{ abort: false }, /spec\.abort: Required value: at least one action is required/],
    [{ target: "Request", code: 500 }, /spec\.code: Forbidden: code selects a response's status code: only with target Response/],
    [{ target: "Request", response_headers: { A: "b" } }, /spec\.response_headers: Forbidden: response_headers select a response's headers/],
    [{ target: "Request", replace: { code: 500 } }, /spec\.replace\.code: Forbidden: replace\.code replaces a response's status code/],
    [{ replace: { path: "/x" } }, /spec\.replace\.path: Forbidden: replace\.path replaces the request's path: only with target Request/],
    [{ replace: { method: "GET" } }, /spec\.replace\.method: Forbidden/],
    [{ replace: { queries: { a: "1" } } }, /spec\.replace\.queries: Forbidden/],
    [{ patch: { queries: [["a", "1"]] } }, /spec\.patch\.queries: Forbidden: patch\.queries adds query parameters to the request/],
    [{ replace: { code: 99 } }, /spec\.replace\.code: Invalid value: 99/],
    [{ replace: { body: "not base64!" } }, /spec\.replace\.body: Invalid value: "not base64!"/],
    [{ patch: { body: { type: "XML", value: "<a/>" } } }, /spec\.patch\.body\.type: Unsupported value: "XML": supported values: "JSON"/],
    [{ patch: { body: { type: "JSON", value: "foo=bar" } } }, /spec\.patch\.body\.value: Invalid value: "string": is not JSON/],
    [{ patch: { body: { type: "JSON", value: '{"foo": "bar"' } } }, /spec\.patch\.body\.value: Invalid value: "string": is not JSON/],
    [{ patch: { body: { type: "JSON", value: "x".repeat(httpPatchBodyValueMaxLength + 1) } } }, /spec\.patch\.body\.value: Too long/],
    [{ patch: { headers: [["only-a-name"]] } }, /spec\.patch\.headers\[0\]: Invalid value: 1: spec\.patch\.headers\[0\] in body should have at least 2 items/],
    [{ tls: { certName: "c" } }, /spec\.tls\.secretName: Required value/],
    [{ remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ duration: "30 seconds" }, /spec\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(name("bad"), { ...base, ...spec }) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });

  it("is embedded in Workflow and Schedule, its rules applied there too", async () => {
    const httpChaos = { ...base, selector: { namespaces: [ns.name] }, target: "Request", code: 500 };
    const workflow = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Workflow",
      metadata: { name: name("wf") },
      spec: { entry: "http", templates: [{ name: "http", templateType: "HTTPChaos", deadline: "1m", httpChaos }] },
    };
    const refused = await api.request("POST", `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/workflows`, { body: workflow });
    expect([refused.status, refused.body.message]).toEqual([422, expect.stringMatching(/spec\.templates\[0\]\.httpChaos\.code: Forbidden: code selects a response's status code/)]);
    const { code: _code, ...fixed } = httpChaos;
    const accepted = await api.request("POST", `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/workflows`, { body: { ...workflow, spec: { ...workflow.spec, templates: [{ ...workflow.spec.templates[0], httpChaos: fixed }] } } });
    expect([accepted.status, accepted.body.message]).toEqual([201, undefined]);
    const schedule = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Schedule",
      metadata: { name: name("sched") },
      spec: { schedule: "@every 1h", type: "HTTPChaos", historyLimit: 1, concurrencyPolicy: "Forbid", httpChaos: { ...fixed, duration: "1m" } },
    };
    const created = await api.request("POST", `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/schedules?fieldValidation=Strict`, { body: schedule });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
  });
});
