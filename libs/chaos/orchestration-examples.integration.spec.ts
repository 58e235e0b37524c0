// The generated Schedule, Workflow and StatusCheck CRDs judged by the real API server: manifests in
// the shape of Chaos Mesh's documented examples (examples/*.yaml) are admitted with every field
// kept (strict field validation: an unknown or pruned field fails), over the built-in kinds.
import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "./api-server.test-support.js";

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: object;
}

const dir = new URL("./examples/", import.meta.url);
const examples: [string, Manifest][] = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => [f.slice(0, -5), parse(readFileSync(new URL(f, dir), "utf8")) as Manifest]);
const plurals: { [kind: string]: string } = { Workflow: "workflows", Schedule: "schedules", StatusCheck: "statuschecks" };

let api: ApiServer;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  const cluster = await localCluster("api-only");
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "orchestration-examples");
  api = await localApiServer();
}, 300_000);

afterAll(async () => {
  await ns?.remove();
}, 60_000);

describe("Schedule, Workflow and StatusCheck examples on a real API server", () => {
  it("has an example of each", () => {
    expect(new Set(examples.map(([, m]) => m.kind))).toEqual(new Set(Object.keys(plurals)));
  });

  it.each(examples)("admits %s with every field kept", async (_name, example) => {
    // created as a dry run: no manager runs against this namespace, and nothing is left to clean
    const path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/${plurals[example.kind]}?fieldValidation=Strict&dryRun=All`;
    const created = await api.request("POST", path, { body: { ...example, metadata: { ...example.metadata, namespace: ns.name } } });
    expect([created.status, created.body.message]).toEqual([201, undefined]);
    expect(created.body.spec).toMatchObject(example.spec);
  });

  it("refuses a Workflow whose chaos sets its own duration, and one whose child names no template", async () => {
    const [, serial] = examples.find(([name]) => name === "workflow-serial")!;
    const withDuration = structuredClone(serial) as Manifest & { spec: { templates: { name: string; networkChaos?: { duration?: string } }[] } };
    withDuration.spec.templates.find((t) => t.networkChaos)!.networkChaos!.duration = "30s";
    const path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/workflows?dryRun=All`;
    const refused = await api.request("POST", path, { body: { ...withDuration, metadata: { name: "with-duration", namespace: ns.name } } });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/duration/);

    const dangling = structuredClone(serial) as Manifest & { spec: { templates: { name: string; children?: string[] }[] } };
    dangling.spec.templates[0]!.children = [...dangling.spec.templates[0]!.children!, "no-such-template"];
    const refused2 = await api.request("POST", path, { body: { ...dangling, metadata: { name: "dangling", namespace: ns.name } } });
    expect(refused2.status).toBe(422);
    expect(refused2.body.message).toMatch(/template/);
  });
});
