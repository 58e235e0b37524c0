// The generated CRD judged by the real API server (the local cluster, api-only): the YAML file is
// applied byte for byte, then manifests are created and rejected through it.
import { readFile } from "node:fs/promises";
import { deleteTestNamespace } from "@faultline/test-ground";
import { localApiServer, type ApiServer } from "../api-server.test-support.js";

const clusterTimeoutMs = 300_000;
const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helloworldchaos.chaos-mesh.org";
const run = Math.random().toString(36).slice(2, 8);
const namespace = `crd-${run}`;
const chaosPath = `/apis/chaos-mesh.org/v1alpha1/namespaces/${namespace}/helloworldchaos`;

let api: ApiServer;

const seedManifest = (name = "busybox-helloworld-chaos", spec: object = {}): object => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HelloWorldChaos",
  metadata: { name },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", ...spec },
});

async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  api = await localApiServer();
  const yaml = await readFile(new URL("../crds/chaos-mesh.org_helloworldchaos.yaml", import.meta.url), "utf8");
  const applied = await api.request("PATCH", `${crdPath}?fieldManager=faultline-crd-test&force=true`, {
    body: yaml,
    contentType: "application/apply-patch+yaml",
  });
  expect([200, 201]).toContain(applied.status); // 201 when this run created it
  await eventually(async () => {
    const crd = await api.request("GET", crdPath);
    const established = crd.body?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Established" && c.status === "True");
    return established ? true : undefined;
  }, "the CRD to be established");
  expect((await api.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace } } })).status).toBe(201);
  // the new resource reaches the handler a moment after Established
  await eventually(async () => ((await api.request("GET", chaosPath)).status === 200 ? true : undefined), "the resource to be served");
}, clusterTimeoutMs);

// Deletes the test's objects and namespace (waiting for the namespace controller; a namespace's
// finalizer is never forced).
afterAll(async () => {
  if (!api) return;
  await api.request("DELETE", chaosPath);
  await deleteTestNamespace(api.kubeConfig, namespace);
}, 60_000);

describe("the HelloWorldChaos CRD on a real API server", () => {
  it("is served with Chaos Mesh's names and categories", async () => {
    const discovery = await api.request("GET", "/apis/chaos-mesh.org/v1alpha1");
    expect(discovery.body.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: "helloworldchaos",
          singularName: "helloworldchaos",
          namespaced: true,
          kind: "HelloWorldChaos",
          categories: ["all", "chaos-mesh"],
        }),
        expect.objectContaining({ name: "helloworldchaos/status" }),
      ]),
    );
  });

  it("accepts the seed manifest and prints progress (none before the manager reports), duration and age", async () => {
    const created = await api.request("POST", chaosPath, { body: seedManifest() });
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({ selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h" });

    const table = await api.request("GET", `${chaosPath}/busybox-helloworld-chaos`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "injected", "duration", "age"]);
    expect(table.body.rows[0].cells.slice(0, 3)).toEqual(["busybox-helloworld-chaos", null, "1h"]);
  });

  it.each([
    [{ mode: "some" }, /spec\.mode: Unsupported value: "some"/],
    [{ mode: "fixed", value: "50%" }, /spec\.value in body should match/],
    [{ mode: "fixed", value: "-1" }, /spec\.value in body should match/],
    [{ duration: "1d" }, /spec\.duration in body should match/],
    [{ selector: undefined }, /spec\.selector: Required value/],
    [{ mode: undefined }, /spec\.mode: Required value/],
    [{ selector: { pods: { busybox: "busybox-0" } } }, /spec\.selector\.pods\.busybox: Invalid value: "string"/],
  ])("rejects spec %j", async (spec, message) => {
    const rejected = await api.request("POST", chaosPath, { body: seedManifest(`bad-${Math.random().toString(36).slice(2, 8)}`, spec) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toMatch(message);
  });

  it("accepts every mode and a selector with every field", async () => {
    const created = await api.request("POST", chaosPath, {
      body: seedManifest("full", {
        selector: {
          namespaces: ["a"],
          labelSelectors: { app: "x" },
          expressionSelectors: [{ key: "tier", operator: "In", values: ["web"] }],
          annotationSelectors: { team: "x" },
          fieldSelectors: { "spec.nodeName": "n" },
          podPhaseSelectors: ["Running", "!Failed"],
          nodeSelectors: { zone: "a" },
          nodes: ["n"],
          pods: { a: ["p"] },
        },
        mode: "random-max-percent",
        value: "50",
        containerNames: ["busybox"],
      }),
    });
    expect(created.status).toBe(201);
    for (const mode of ["one", "fixed", "fixed-percent"]) {
      expect((await api.request("POST", chaosPath, { body: seedManifest(`mode-${mode}`, { mode, value: "1" }) })).status).toBe(201);
    }
  });

  it("rejects unknown fields under strict field validation, as kubectl asks for", async () => {
    const rejected = await api.request("POST", `${chaosPath}?fieldValidation=Strict`, {
      body: seedManifest("strict", { selector: { namespace: ["busybox"] } }),
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toMatch(/unknown field "spec\.selector\.namespace"/);
  });

  it("keeps status behind the status subresource, validated", async () => {
    const created = await api.request("POST", chaosPath, { body: seedManifest("with-status") });
    const status = {
      conditions: [
        { type: "Selected", status: "True" },
        { type: "AllInjected", status: "True" },
      ],
      experiment: {
        desiredPhase: "Run",
        containerRecords: [
          {
            id: "busybox/busybox-0/busybox",
            selectorKey: ".",
            phase: "Injected",
            injectedCount: 1,
            recoveredCount: 0,
            events: [{ type: "Succeeded", operation: "Apply", timestamp: "2026-01-01T00:00:00Z" }],
          },
        ],
      },
    };
    const updated = await api.request("PUT", `${chaosPath}/with-status/status`, { body: { ...created.body, status } });
    expect(updated.status).toBe(200);
    expect(updated.body.status).toEqual(status);

    // a status sent with the main resource is ignored
    const ignored = await api.request("PUT", `${chaosPath}/with-status`, {
      body: { ...updated.body, status: { experiment: { desiredPhase: "Stop" } } },
    });
    expect(ignored.body.status).toEqual(status);

    const bad = await api.request("PUT", `${chaosPath}/with-status/status`, {
      body: { ...updated.body, status: { experiment: { desiredPhase: "Pause", containerRecords: [{ id: "x" }] } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/status\.experiment\.desiredPhase: Unsupported value: "Pause"/);
    expect(bad.body.message).toMatch(/status\.experiment\.containerRecords\[0\]\.phase: Required value/);
  });
});
