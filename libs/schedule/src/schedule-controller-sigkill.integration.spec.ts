// The Schedule controller in its own process, SIGKILLed at random moments and started again: no
// slot is spawned twice, and the last spawned slot is always recorded in status.time in the end.
// The process runs the built library (the test target builds it first).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyChaosCrds, createTestNamespace, eventually, localCluster, startAppProcess } from "@faultline/test-ground";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { scheduleSlotAnnotation } from "./schedule-names.js";
import type { Schedule } from "./schedule-types.js";
import { eventsOf, installScheduleCrds, testKinds } from "./schedule.test-support.js";

const main = fileURLToPath(new URL("./testing/schedule-controller-process.mjs", import.meta.url));
const group = "chaos-mesh.org";
const version = "v1alpha1";
let kubeConfig: KubeConfig;
let kubeconfigPath: string;
let kindsFile: string;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  ({ kubeConfig, kubeconfigPath } = await localCluster("api-only"));
  await installScheduleCrds(kubeConfig);
  ns = await createTestNamespace(kubeConfig, "schedule-kill");
  kindsFile = join(await mkdtemp(join(tmpdir(), "schedule-kill-")), "kinds.json");
  await writeFile(kindsFile, JSON.stringify(testKinds.map((k) => ({ crd: k.crd, oneShot: k.oneShot }))));
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  if (kubeConfig) await applyChaosCrds(kubeConfig); // the generated CRDs back in place of the test ones
}, 60_000);

test("SIGKILL and restart, five times: every slot spawned at most once, and the last one recorded", async () => {
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  await objects.createNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: "schedules",
    body: { apiVersion: `${group}/${version}`, kind: "Schedule", metadata: { name: "killed" }, spec: { schedule: "@every 1s", type: "LastingTestChaos", concurrencyPolicy: "Allow", historyLimit: 1000, lastingTestChaos: { selector: {}, mode: "all" } } },
  });
  const start = () => startAppProcess(main, [kubeconfigPath, kindsFile], (l) => l.message === "schedule controller started");
  for (let i = 0; i < 5; i++) {
    const manager = await start();
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1700));
    await manager.kill();
  }
  const manager = await start();
  try {
    await new Promise((r) => setTimeout(r, 2500));
    await eventually("status.time is the latest child's slot", async () => {
      const list = (await objects.listNamespacedCustomObject({ group, version, namespace: ns.name, plural: "lastingtestchaos", labelSelector: "managed-by=killed" })) as { items: { metadata: { name: string; annotations: { [k: string]: string } } }[] };
      const slots = list.items.map((c) => c.metadata.annotations[scheduleSlotAnnotation]!).sort();
      const schedule = (await objects.getNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name: "killed" })) as Schedule;
      return slots.length && schedule.status?.time === slots.at(-1) ? slots : undefined;
    }, 5_000, 100);
  } finally {
    await manager.stop();
  }
  const list = (await objects.listNamespacedCustomObject({ group, version, namespace: ns.name, plural: "lastingtestchaos", labelSelector: "managed-by=killed" })) as { items: { metadata: { name: string; annotations: { [k: string]: string } } }[] };
  const slots = list.items.map((c) => c.metadata.annotations[scheduleSlotAnnotation]!);
  expect(slots.length).toBeGreaterThanOrEqual(3); // the managers did spawn, across the kills
  expect(new Set(slots).size).toBe(slots.length);
  for (const child of list.items) expect(child.metadata.name).toBe(`killed-${Date.parse(child.metadata.annotations[scheduleSlotAnnotation]!) / 1000}`);
  // one Spawned event per child at most: a slot found again after a kill is recorded, not spawned
  const spawned = (await eventsOf(kubeConfig, ns.name, "killed")).filter((e) => e.reason === "Spawned");
  expect(spawned.length).toBeLessThanOrEqual(list.items.length);
  expect(new Set(spawned.map((e) => e.message)).size).toBe(spawned.length);
}, 90_000);
