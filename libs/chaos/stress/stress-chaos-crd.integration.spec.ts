// The generated StressChaos CRD judged by the real API server (the local cluster): Chaos Mesh's
// example manifests are accepted unchanged (but for their namespace), and every bad spec is refused
// at admission, by the schema and the CEL rules (no webhook), with a message that names the field.
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";
import { stressNgAllowedOptions } from "./stress-ng-allowlist.js";
import { chaosMeshStressExamples, inNamespace } from "./stress-chaos-examples.test-support.js";

// every allowed option with its example value, in one string and as option items; the longest
// strings the schema lets through, to show the CEL rules stay within the API server's cost budget
const everyAllowed: string[] = Object.entries(stressNgAllowedOptions).map(([name, o]) => `--${name}${o.value === undefined ? "" : ` ${o.example}`}`);
const longestItem = "--cpu-load-slice -30 ".repeat(3).trim(); // 62 characters (items are at most 64)
const longestString = "--vm-keep --cpu 1 ".repeat(56).trim(); // 1007 characters

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const manifest = (name: string, spec: object): object => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "StressChaos", metadata: { name }, spec });
const selector = { selector: { labelSelectors: { app: "app1" } }, mode: "one" };

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "stresschaos-crd");
  api = await localApiServer();
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/stresschaos`;
  await eventually("the StressChaos resource to be served", async () => ((await api.request("GET", path)).status === 200 ? true : undefined));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("the StressChaos CRD on a real API server", () => {
  it.each(Object.entries(chaosMeshStressExamples()))("accepts Chaos Mesh's %s unchanged", async (_name, example) => {
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: inNamespace(example, ns.name) });
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual(example.spec);
  });

  it.each([
    ["stressors of both kinds and every option", { stressors: { cpu: { workers: 2, load: 50, options: ["--cpu-method sqrt", "--timeout=600"] }, memory: { workers: 1, size: "25%", oomScoreAdj: 500, options: ["--vm-method flip"] } } }],
    ["a stress-ng string", { stressngStressors: "--cpu 2 --cpu-load 50 --vm 1 --vm-bytes 64M" }],
    ["both (the string wins)", { stressngStressors: "--cpu 1", stressors: { cpu: { workers: 8 } } }],
    ["a binary size", { stressors: { memory: { workers: 1, size: "1GiB" } } }],
    ["every allowed option in a stress-ng string", { stressngStressors: everyAllowed.join(" ") }],
    ["allowed options as options items", { stressors: { cpu: { workers: 1, options: everyAllowed.slice(0, 16) }, memory: { workers: 1, options: everyAllowed.slice(16, 32) } } }],
    ["the longest strings (the CEL cost budget)", { stressngStressors: longestString, stressors: { cpu: { workers: 1, options: Array(16).fill(longestItem) }, memory: { workers: 1, options: Array(16).fill(longestItem) } } }],
  ])("accepts %s", async (_what, spec) => {
    const created = await api.request("POST", `${path}?fieldValidation=Strict`, { body: manifest(`ok-${Math.random().toString(36).slice(2, 8)}`, { ...selector, ...spec }) });
    expect(created.status).toBe(201);
  });

  it.each([
    [{}, /spec\.stressors: Required value: missing stressors: give stressors\.cpu, stressors\.memory, or stressngStressors/],
    [{ stressngStressors: "  " }, /spec\.stressors: Required value: missing stressors/],
    [{ stressors: {} }, /spec\.stressors: Required value: missing stressors/],
    [{ stressors: { cpu: { workers: 0 } } }, /spec\.stressors\.cpu\.workers: Invalid value: 0: spec\.stressors\.cpu\.workers in body should be greater than or equal to 1/],
    [{ stressors: { cpu: { workers: 8193 } } }, /spec\.stressors\.cpu\.workers: Invalid value: 8193: spec\.stressors\.cpu\.workers in body should be less than or equal to 8192/],
    [{ stressors: { cpu: { workers: 1, load: 101 } } }, /spec\.stressors\.cpu\.load: Invalid value: 101: spec\.stressors\.cpu\.load in body should be less than or equal to 100/],
    [{ stressors: { memory: { workers: 1, size: "150%" } } }, /spec\.stressors\.memory\.size: Invalid value: "object": a percentage size must be between 0% and 100%/],
    [{ stressors: { memory: { workers: 1, size: "lots" } } }, /spec\.stressors\.memory\.size: Invalid value: "lots": spec\.stressors\.memory\.size in body should match/],
    [{ stressors: { memory: { workers: 1, oomScoreAdj: -1001 } } }, /spec\.stressors\.memory\.oomScoreAdj: Invalid value: -1001: spec\.stressors\.memory\.oomScoreAdj in body should be greater than or equal to -1000/],
    [{ stressngStressors: "--cpu 1; reboot" }, /spec\.stressngStressors: Invalid value: "--cpu 1; reboot": spec\.stressngStressors in body should match/],
    [{ stressngStressors: "--cpu 1 --log-file x" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --hdd 1" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --hdd-w 4096" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --hd 1" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --cpu-load 50%" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --temp-p tmp" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options/],
    [{ stressngStressors: "--cpu 1 --vm-ke" }, /spec\.stressngStressors: Invalid value: "object": may hold only these stress-ng options \(by their full names\)/],
    [{ stressors: { cpu: { workers: 1, options: ["--job jobs"] } } }, /spec\.stressors\.cpu\.options: Invalid value: "object": each item may hold only these stress-ng options/],
    [{ stressors: { memory: { workers: 1, options: ["--vm-locked"] } } }, /spec\.stressors\.memory\.options: Invalid value: "object": each item may hold only these stress-ng options/],
    [{ stressors: { cpu: { workers: 1, options: ["--cpu-method sqrt", "--sysfs 1"] } } }, /spec\.stressors\.cpu\.options: Invalid value: "object": each item may hold only/],
    [{ stressors: { cpu: { workers: 1, options: Array(17).fill("--cpu-method sqrt") } } }, /spec\.stressors\.cpu\.options: Too many: 17: must have at most 16 items/],
    [{ stressors: { memory: { workers: 1, options: ["--vm-keep ".repeat(7)] } } }, /spec\.stressors\.memory\.options\[0\]: Too long: may not be (longer than|more than) 64/],
    [{ stressors: { cpu: { workers: 1, options: ["$(id)"] } } }, /spec\.stressors\.cpu\.options\[0\]: Invalid value: "\$\(id\)": spec\.stressors\.cpu\.options\[0\] in body should match/],
    [{ stressors: { cpu: { workers: 1 } }, remoteCluster: "other" }, /spec\.remoteCluster: Forbidden: remote clusters are not supported/],
    [{ stressors: { cpu: { workers: 1 } }, duration: "30 seconds" }, /spec\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const rejected = await api.request("POST", path, { body: manifest(`bad-${Math.random().toString(36).slice(2, 8)}`, { ...selector, ...spec }) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });
});
