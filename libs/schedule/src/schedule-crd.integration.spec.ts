// The Schedule CRD judged by the real API server (the local cluster): valid Schedules of every
// type are accepted with Faultline's defaults, invalid ones refused at admission (schema and CEL,
// no webhook) with a message that names the field, and `kubectl get` shows the printer columns.
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import type { KubeConfig } from "@kubernetes/client-node";
import { apiRequest, installScheduleCrds } from "./schedule.test-support.js";

let kubeConfig: KubeConfig;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let path: string;
const selector = { selector: { labelSelectors: { app: "web" } }, mode: "one" };
const manifest = (spec: object) => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "Schedule", metadata: { name: `s-${Math.random().toString(36).slice(2, 8)}` }, spec });
const post = (spec: object) => apiRequest(kubeConfig, "POST", `${path}?fieldValidation=Strict`, { body: manifest(spec) });

beforeAll(async () => {
  ({ kubeConfig } = await localCluster("api-only"));
  await installScheduleCrds(kubeConfig);
  ns = await createTestNamespace(kubeConfig, "schedule-crd");
  path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/schedules`;
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  if (kubeConfig) await applyChaosCrds(kubeConfig); // the generated CRDs back in place of the test ones
}, 60_000);

describe("the Schedule CRD on a real API server", () => {
  test("a Schedule as Chaos Mesh's examples write it is accepted unchanged", async () => {
    const spec = { schedule: "5 * * * *", historyLimit: 2, concurrencyPolicy: "Allow", type: "LastingTestChaos", lastingTestChaos: { ...selector, duration: "12s" } };
    const created = await post(spec);
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual(spec);
  });

  test("defaults: concurrencyPolicy Forbid, historyLimit 5", async () => {
    const created = await post({ schedule: "@every 5s", type: "OneShotTestChaos", oneShotTestChaos: selector });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ concurrencyPolicy: "Forbid", historyLimit: 5 });
  });

  test.each([
    ["six fields", "*/10 * * * * *"],
    ["a descriptor", "@hourly"],
    ["@every", "@every 1h30m"],
    ["@every its shortest", "@every 1s"],
    ["a zone before @every", "TZ=UTC @every 1500ms"],
    ["a zone", "CRON_TZ=Europe/Berlin 0 2 * * mon-fri"],
    ["names and lists", "0 12 1,15 JAN-Jun ?"],
  ])("accepts %s", async (_what, schedule) => {
    expect((await post({ schedule, type: "LastingTestChaos", lastingTestChaos: selector, startingDeadlineSeconds: null })).status).toBe(201);
  });

  test("accepts type Workflow with a workflow spec", async () => {
    const created = await post({ schedule: "@daily", type: "Workflow", workflow: { entry: "a", templates: [{ name: "a", templateType: "Suspend", deadline: "1m" }] } });
    expect(created.status).toBe(201);
    expect(created.body.spec.workflow.entry).toBe("a");
  });

  test.each([
    [{ type: "LastingTestChaos" }, /spec\.lastingTestChaos: Invalid value: "object": missing chaos spec lastingTestChaos: type LastingTestChaos needs it/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, oneShotTestChaos: selector }, /spec\.oneShotTestChaos: Invalid value: "object": oneShotTestChaos must not be set when type is LastingTestChaos/],
    [{ type: "Workflow" }, /spec\.workflow: Invalid value: "object": missing workflow spec: type Workflow needs it/],
    [{ type: "Workflow", workflow: {}, lastingTestChaos: selector }, /lastingTestChaos must not be set when type is Workflow/],
    [{ type: "NoSuchChaos" }, /spec\.type: Unsupported value: "NoSuchChaos": supported values: "LastingTestChaos", "OneShotTestChaos", "Workflow"/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, schedule: "every 5s" }, /spec\.schedule: Invalid value: "string": parse schedule field error: expected 5 or 6 cron fields/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, schedule: "* * * *" }, /spec\.schedule: Invalid value: "string": parse schedule field error/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, schedule: "0 0 L * *" }, /spec\.schedule: Invalid value: "string": parse schedule field error/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, schedule: "@every soon" }, /spec\.schedule: Invalid value: "string": parse schedule field error/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, schedule: `${"1,".repeat(130)}1 * * * *` }, /spec\.schedule: Too long: may not be (longer|more) than 256/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, startingDeadlineSeconds: 0 }, /spec\.startingDeadlineSeconds: Invalid value: 0: spec\.startingDeadlineSeconds in body should be greater than or equal to 1/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, historyLimit: 0 }, /spec\.historyLimit: Invalid value: 0: spec\.historyLimit in body should be greater than or equal to 1/],
    [{ type: "LastingTestChaos", lastingTestChaos: selector, concurrencyPolicy: "Replace" }, /spec\.concurrencyPolicy: Unsupported value: "Replace": supported values: "Forbid", "Allow"/],
    [{ type: "LastingTestChaos", lastingTestChaos: { ...selector, duration: "30 seconds" } }, /spec\.lastingTestChaos\.duration: Invalid value: "30 seconds"/],
  ])("refuses %j, naming the field", async (spec, message) => {
    const refused = await post({ schedule: "@every 5s", ...spec });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(message);
  });

  test.each(["@every 0s", "@every 0", "@every 999ms", "@every -5s", "CRON_TZ=Europe/Berlin @every 500ms"])("refuses %j: @every under one second", async (schedule) => {
    const refused = await post({ type: "LastingTestChaos", lastingTestChaos: selector, schedule });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/spec\.schedule: Invalid value: "string": parse schedule field error: @every needs a delay of at least 1s/);
  });

  test("refuses a Schedule without schedule or type", async () => {
    const refused = await apiRequest(kubeConfig, "POST", path, { body: manifest({}) });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/spec\.schedule: Required value/);
    expect(refused.body.message).toMatch(/spec\.type: Required value/);
  });

  test("kubectl get shows schedule, type, last run, next run and age", async () => {
    const created = await post({ schedule: "@hourly", type: "LastingTestChaos", lastingTestChaos: selector });
    await apiRequest(kubeConfig, "PATCH", `${path}/${created.body.metadata.name}/status`, { body: { status: { time: "2026-01-01T00:00:00Z", nextTime: "2026-01-01T01:00:00Z" } } }).catch(() => undefined);
    const table = await apiRequest(kubeConfig, "GET", `${path}/${created.body.metadata.name}`, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "schedule", "type", "last run", "next run", "age"]);
    expect(table.body.rows[0].cells.slice(1, 3)).toEqual(["@hourly", "LastingTestChaos"]);
  });
});
