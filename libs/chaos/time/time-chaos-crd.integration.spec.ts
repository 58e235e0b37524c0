// The generated TimeChaos CRD judged by the real API server (the local cluster): Chaos Mesh's
// example shape is admitted unchanged (but for its namespace) with clockIds defaulted when left
// out, and a bad offset, clock id or remoteCluster is refused at admission, by the schema and the
// CEL rules (no webhook), with a message that names the field.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import type { TimeChaos } from "./time-chaos-crd.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "TimeChaos", metadata: { name }, spec });
const base = { selector: { namespaces: ["busybox"] }, mode: "all", timeOffset: "-10m" };
const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "timechaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/timechaos`;
  await eventually("the TimeChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the TimeChaos CRD on a real API server", () => {
  it("accepts Chaos Mesh's time-chaos-example.yaml shape unchanged", async () => {
    const example: TimeChaos = parse(readFileSync(new URL("./examples/time-chaos-example.yaml", import.meta.url), "utf8"));
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: { ...example, metadata: { ...example.metadata, namespace: ns.name } } });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
    expect(created.body.spec).toEqual(example.spec);
  });

  it("defaults clockIds to [CLOCK_REALTIME]", async () => {
    const created = await api.request("POST", path, { body: manifest(name("default"), base) });
    expect(created.status).toBe(201);
    expect(created.body.spec.clockIds).toEqual(["CLOCK_REALTIME"]);
  });

  it.each([
    ["a negative offset with every unit", { timeOffset: "-1h2m3s4ms5us6ns" }],
    ["a fraction", { timeOffset: "1.5h" }],
    ["µs", { timeOffset: "100\u00b5s" }],
    ["zero", { timeOffset: "0" }],
    ["exactly 10^10 seconds back", { timeOffset: "-10000000000s" }],
    ["the same in hours, minutes and seconds", { timeOffset: "2777777h46m40s" }],
    ["every clock", { clockIds: ["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM"] }],
    // the longest offset: the CEL rules stay within the API server's cost budget
    ["the longest offset (64 characters, 30 parts)", { timeOffset: "-" + "1h".repeat(29) + "1000s" }],
  ])("accepts %s", async (_what, spec) => {
    const body = manifest(name("ok"), { ...base, ...spec });
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
  });

  it.each([
    [{ timeOffset: "10 minutes" }, /spec\.timeOffset: Invalid value: "string": "10 minutes" must be a Go duration, negative allowed, such as "-10m", "1h30m" or "100ms"/],
    [{ timeOffset: "1d" }, /spec\.timeOffset: Invalid value: "string": "1d" must be a Go duration/],
    [{ timeOffset: "" }, /spec\.timeOffset: Invalid value: "string": "" must be a Go duration/],
    [{ timeOffset: "10000000001s" }, /spec\.timeOffset: Invalid value: "string": "10000000001s" must be at most 10000000000 seconds \(about 317 years\) either way/],
    [{ timeOffset: "-2777778h" }, /spec\.timeOffset: Invalid value: "string": "-2777778h" must be at most 10000000000 seconds/],
    [{ timeOffset: "1".repeat(65) + "s" }, /spec\.timeOffset: Too long: may not be (longer than|more than) 64/],
    [{ timeOffset: undefined }, /spec\.timeOffset: Required value/],
    [{ clockIds: ["CLOCK_REALTIME", "CLOCK_TAI"] }, /spec\.clockIds\[1\]: Unsupported value: "CLOCK_TAI": supported values: "CLOCK_REALTIME", "CLOCK_MONOTONIC"/],
    [{ remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ duration: "30 seconds" }, /spec\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(name("bad"), { ...base, ...spec }) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });
});
