// The generated IOChaos CRD judged by the real API server (the local cluster): Chaos Mesh's three
// example shapes are admitted unchanged (but for their namespace), percent defaulted when left out,
// and each bad value is refused at admission, by the schema and the CEL rules (no webhook), with a
// message that names the field.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import type { IOChaos } from "./io-chaos-crd.js";

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "IOChaos", metadata: { name }, spec });
const base = { selector: { namespaces: ["busybox"] }, mode: "all", action: "latency", delay: "100ms", volumePath: "/data" };
const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "iochaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/iochaos`;
  await eventually("the IOChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the IOChaos CRD on a real API server", () => {
  it.each(["io-latency-example.yaml", "io-fault-example.yaml", "io-attr-example.yaml"])("accepts Chaos Mesh's %s shape unchanged", async (file) => {
    const example: IOChaos = parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), "utf8"));
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: { ...example, metadata: { ...example.metadata, namespace: ns.name } } });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
    expect(created.body.spec).toEqual(example.spec);
  });

  it("defaults percent to 100", async () => {
    const created = await api.request("POST", path, { body: manifest(name("default"), base) });
    expect(created.status).toBe(201);
    expect(created.body.spec.percent).toBe(100);
  });

  it.each([
    ["a fault with EIO on read and write only", { action: "fault", errno: 5, methods: ["read", "write"], delay: undefined }],
    ["a mistake", { action: "mistake", mistake: { filling: "random", maxOccurrences: 2, maxLength: 100 }, delay: undefined }],
    ["an attrOverride of every field", { action: "attrOverride", delay: undefined, attr: { ino: 1, size: 2, blocks: 3, atime: { sec: 1, nsec: 0 }, mtime: { sec: 2, nsec: 1 }, ctime: { sec: 3, nsec: 2 }, kind: "regularFile", perm: 72, nlink: 1, uid: 0, gid: 0, rdev: 0 } }],
    ["percent 0, an empty path, a nested volume", { percent: 0, path: "", volumePath: "/var/lib/data" }],
  ])("accepts %s", async (_what, spec) => {
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: manifest(name("ok"), { ...base, ...spec }) });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
  });

  it.each([
    [{ delay: undefined }, /spec\.delay: Required value: a latency action needs delay/],
    [{ delay: "0s" }, /spec\.delay: Required value: a latency action needs delay, a positive Go duration/],
    [{ delay: "100" }, /spec\.delay: Invalid value: "100": spec\.delay in body should match/],
    [{ action: "fault", delay: undefined }, /spec\.errno: Required value: a fault action needs errno/],
    [{ action: "fault", errno: 0 }, /spec\.errno: Required value: a fault action needs errno, a non-zero Linux errno/],
    [{ action: "fault", errno: 4294967296 }, /spec\.errno: Invalid value: 4294967296: spec\.errno in body should be less than or equal to 4294967295/],
    [{ action: "attrOverride" }, /spec\.attr: Required value: an attrOverride action needs attr/],
    [{ action: "attrOverride", attr: {} }, /spec\.attr: Required value: an attrOverride action needs attr, with at least one field/],
    [{ action: "mistake" }, /spec\.mistake: Required value: a mistake action needs mistake/],
    [{ action: "mistake", mistake: { filling: "zero", maxOccurrences: 0, maxLength: 1 } }, /spec\.mistake\.maxOccurrences: Invalid value: 0: spec\.mistake\.maxOccurrences in body should be greater than or equal to 1/],
    [{ action: "mistake", mistake: { filling: "ones", maxOccurrences: 1, maxLength: 1 } }, /spec\.mistake\.filling: Unsupported value: "ones"/],
    [{ action: "slow" }, /spec\.action: Unsupported value: "slow": supported values: "latency", "fault", "attrOverride", "mistake"/],
    [{ percent: 101 }, /spec\.percent: Invalid value: 101: spec\.percent in body should be less than or equal to 100/],
    [{ percent: -1 }, /spec\.percent: Invalid value: -1: spec\.percent in body should be greater than or equal to 0/],
    [{ methods: ["read", "seek"] }, /spec\.methods\[1\]: Unsupported value: "seek": supported values: "lookup", "forget"/],
    [{ path: "data/*" }, /spec\.path: Invalid value: "string": must be empty or an absolute path glob/],
    [{ volumePath: undefined }, /spec\.volumePath: Required value/],
    [{ volumePath: "/" }, /spec\.volumePath: Invalid value: "string": must be the absolute mount path of a volume in the container, not \//],
    [{ volumePath: "//" }, /spec\.volumePath: Invalid value: "string": must be the absolute mount path/],
    [{ volumePath: "data" }, /spec\.volumePath: Invalid value: "string": must be the absolute mount path/],
    [{ attr: { perm: 70000 }, action: "attrOverride" }, /spec\.attr\.perm: Invalid value: 70000/],
    [{ remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ duration: "30 seconds" }, /spec\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(name("bad"), { ...base, ...spec }) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });
});
