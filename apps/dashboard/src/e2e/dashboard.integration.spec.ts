import type { Browser, Page } from "playwright-core";
import { pauseAnnotation } from "@faultline/api";
import {
  clusterDeadlineMs,
  conditionTrue,
  eventually,
  goTo,
  launchChromium,
  openPage,
  readChaos,
  readKillSwitch,
  restoreKillSwitch,
  screenshot,
  seriousAxeViolations,
  startDashboardGround,
  startKubeconfigDashboard,
  tabTo,
  textEventually,
  uiDeadlineMs,
  type DashboardGround,
  type DashboardServer,
  type KillSwitchObject,
} from "./dashboard-browser.test-support.js";

// The dashboard end to end in Debian's Chromium (headless, playwright-core), kubeconfig mode: the
// built server with the cluster admin's kubeconfig, the built manager and daemon on the local
// cluster's real kubelet, busybox pods in a fresh namespace. The tests run in order and share the
// page: a PodChaos created with kubectl appears in the list live; one created from the form reaches
// AllInjected with its timeline drawn, is paused and resumed (with the keyboard) and deleted; a
// Workflow's graph; the Nodes page; the kill switch engaged and released. axe-core checks each view
// for serious and critical violations, and each view's screenshot goes to screenshotDir
// (.test-results/dashboard-screenshots/; docs/screenshots/ with FAULTLINE_UPDATE_SCREENSHOTS=1).
describe("the dashboard in a browser (kubeconfig mode, the local cluster)", () => {
  let g: DashboardGround;
  let dashboard: DashboardServer;
  let browser: Browser;
  let page: Page;
  let pageLog: string[] = [];
  let ns: string;
  let killSwitchBefore: KillSwitchObject | undefined;
  let killSwitchRead = false;

  beforeAll(async () => {
    // busybox: the form's experiment and the Workflow target its 2 pods; listed: kubectl's experiment its one;
    // scheduled: the Schedule's runs its one
    g = await startDashboardGround("dashboard-e2e", { busybox: [{ name: "busybox", replicas: 2 }, { name: "listed", replicas: 1 }, { name: "scheduled", replicas: 1 }] });
    ns = g.namespace;
    killSwitchBefore = await readKillSwitch(g.kubeConfig);
    killSwitchRead = true;
    if (killSwitchBefore?.spec?.engaged) throw new Error("killswitch/cluster is engaged: every experiment of the cluster is stopped, so none of these tests could inject");
    // the manager writes faultline-status into the test namespace: the dashboard reads it there
    dashboard = await startKubeconfigDashboard(g.ground.cluster.kubeconfigPath, ["--faultline-namespace", ns]);
    browser = await launchChromium();
    ({ page, console: pageLog } = await openPage(browser));
    await page.goto(dashboard.url);
  }, 240_000);

  afterAll(async () => {
    const steps: (() => Promise<unknown> | undefined)[] = [
      // the kill switch is cluster-wide: released (or removed, if this run made it) whatever happened
      () => (killSwitchRead ? restoreKillSwitch(g.kubeConfig, killSwitchBefore) : undefined),
      () => browser?.close(),
      () => dashboard?.stop(),
      () => g?.stop(),
    ];
    const errors: unknown[] = [];
    for (const step of steps) await Promise.resolve(step()).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }, 180_000);

  afterEach(() => {
    // the UI runs under its own CSP (default-src 'self'): nothing it does may be refused, nor throw
    const refused = pageLog.filter((line) => /Content Security Policy|^pageerror/.test(line));
    pageLog.length = 0;
    expect(refused).toEqual([]);
  });

  const noSeriousViolations = async (view: string) => {
    const found = await seriousAxeViolations(page);
    expect({ view, violations: found }).toEqual({ view, violations: [] });
  };
  const row = (name: string) => page.locator(`[data-testid="experiment-row"][data-name="${name}"]`);
  const condition = (type: string, status: string) => page.locator(`[data-testid="condition"][data-type="${type}"][data-status="${status}"]`);
  const heading = () => page.getByRole("heading", { level: 1 });
  const podChaos = (name: string) => readChaos(g.kubeConfig, ns, "podchaos", name);

  it("the experiments list: the nav, one h1, and a PodChaos created with kubectl appears live", async () => {
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Experiments", exact: true }).waitFor();
    await heading().filter({ hasText: "Experiments" }).waitFor();
    for (const link of ["Experiments", "Workflows", "Schedules", "Nodes", "Create"]) await expect(nav.getByRole("link", { name: link, exact: true }).count()).resolves.toBe(1);
    await expect(page.locator("h1").count()).resolves.toBe(1);
    // the page is open before the object exists: it must come through the watch
    await heading().waitFor();
    await expect(row("from-kubectl").count()).resolves.toBe(0);
    await g.kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "PodChaos",
        metadata: { name: "from-kubectl", namespace: ns },
        spec: { action: "pod-failure", mode: "all", duration: "10m", selector: { namespaces: [ns], labelSelectors: { app: "listed" } } },
      }),
    );
    await row("from-kubectl").waitFor({ timeout: uiDeadlineMs });
    await expect(row("from-kubectl").getAttribute("data-kind")).resolves.toBe("PodChaos");
    await expect(row("from-kubectl").getAttribute("data-namespace")).resolves.toBe(ns);
    await expect(row("from-kubectl").textContent()).resolves.toContain("from-kubectl");
    // live: its phase follows the manager's injection with no reload
    await eventually("from-kubectl's row Injected", async () => ((await row("from-kubectl").getAttribute("data-phase")) === "Injected" ? true : undefined), clusterDeadlineMs);
    await noSeriousViolations("experiments");
  }, 60_000);

  it("creates a PodChaos (pod-failure, 5m) from the form — kind picker, fields, Preview targets, Validate, Create reached with Tab — and it reaches AllInjected with its timeline drawn", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Create", exact: true }).click();
    await heading().filter({ hasText: /create/i }).waitFor();
    await page.getByLabel(/^Kind/).selectOption("PodChaos");
    await page.getByLabel("Namespace", { exact: true }).fill(ns);
    // the spec's fields, generated from the CRD's published schema
    await page.getByLabel(/^action\*?$/).selectOption("pod-failure");
    await page.getByLabel(/^mode\*?$/).selectOption("all");
    await page.getByLabel(/^duration\*?$/).fill("5m");
    await page.getByRole("group", { name: "namespaces", exact: true }).getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel(/^namespaces-1\*?$/).fill(ns);
    await page.getByRole("group", { name: "labelSelectors", exact: true }).getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel("newKey Key", { exact: true }).fill("app");
    await page.getByLabel("newKey Key", { exact: true }).blur(); // the key is taken on blur
    await page.getByLabel("app", { exact: true }).fill("busybox");
    // the YAML tab shows the same object
    await page.getByRole("tab", { name: "YAML", exact: true }).click();
    const yaml = await page.getByLabel(/^Manifest \(YAML\)/).inputValue();
    expect(yaml).toMatch(/kind: PodChaos/);
    expect(yaml).toMatch(/action: pod-failure/);
    expect(yaml).toMatch(/app: busybox/);
    await page.getByRole("tab", { name: "Form", exact: true }).click();
    await noSeriousViolations("create");

    // the manager's plan (no name yet: the preview's own object is named after the kind) names both busybox pods
    await page.getByRole("button", { name: "Preview targets", exact: true }).click();
    await eventually("two planned targets", async () => ((await page.locator('[data-testid="plan-target"]').count()) === 2 ? true : undefined), clusterDeadlineMs);
    await screenshot(page, "create");

    await page.getByLabel("Name", { exact: true }).fill("from-form");
    await page.getByRole("button", { name: "Validate", exact: true }).click();
    await page.locator('[data-testid="validation-ok"]').waitFor();
    await expect(podChaos("from-form")).resolves.toBeUndefined(); // a dry run stores nothing
    // Create, reached with Tab from Validate and pressed with Enter
    await page.getByRole("button", { name: "Validate", exact: true }).focus();
    await tabTo(page, "button", "Create");
    await page.keyboard.press("Enter");
    await page.waitForFunction((hash) => location.hash === hash, `#/experiments/${ns}/podchaos/from-form`);
    expect(await podChaos("from-form")).toBeDefined();

    await eventually("from-form AllInjected", async () => (conditionTrue(await podChaos("from-form"), "AllInjected") ? true : undefined), clusterDeadlineMs);
    await condition("AllInjected", "True").waitFor({ timeout: uiDeadlineMs });
    await page.locator('[data-testid="record-grid"]').waitFor();
    await page.locator('figure svg[data-testid="timeline"], figure [data-testid="timeline"]').first().waitFor();
    await page.locator('[data-testid="timeline-bar"]').first().waitFor();
    // one injected interval per record at least: both busybox pods
    await expect(page.locator('[data-testid="timeline-bar"]').count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(page.locator("figure:has([data-testid=timeline]) figcaption").count()).resolves.toBe(1);
    await noSeriousViolations("experiment");
  }, 180_000);

  it("pauses and resumes it with Tab and Enter: the pause annotation on the object, the state as text", async () => {
    await page.locator("body").focus();
    await tabTo(page, "button", "Pause");
    await page.keyboard.press("Enter");
    await eventually("the pause annotation", async () => ((await podChaos("from-form"))?.metadata.annotations?.[pauseAnnotation] === "true" ? true : undefined), uiDeadlineMs);
    // paused: every record recovered
    await eventually("Paused and AllRecovered", async () => {
      const obj = await podChaos("from-form");
      return conditionTrue(obj, "Paused") && conditionTrue(obj, "AllRecovered") && !conditionTrue(obj, "AllInjected") ? true : undefined;
    }, clusterDeadlineMs);
    await condition("Paused", "True").waitFor({ timeout: uiDeadlineMs });
    await page.getByText("Paused", { exact: true }).first().waitFor(); // the phase, as text
    await page.getByRole("button", { name: "Resume", exact: true }).waitFor();

    await page.locator("body").focus();
    await tabTo(page, "button", "Resume");
    await page.keyboard.press("Enter");
    await eventually("no pause annotation", async () => ((await podChaos("from-form"))?.metadata.annotations?.[pauseAnnotation] === undefined ? true : undefined), uiDeadlineMs);
    await eventually("injected again", async () => {
      const obj = await podChaos("from-form");
      return !conditionTrue(obj, "Paused") && conditionTrue(obj, "AllInjected") ? true : undefined;
    }, clusterDeadlineMs);
    await page.getByRole("button", { name: "Pause", exact: true }).waitFor();
    await condition("AllInjected", "True").waitFor({ timeout: uiDeadlineMs });
    await page.getByText("Injected", { exact: true }).first().waitFor();
    // the timeline now has two intervals per record: injected, recovered by the pause, injected again
    await eventually("4 timeline bars", async () => ((await page.locator('[data-testid="timeline-bar"]').count()) >= 4 ? true : undefined), uiDeadlineMs);
    await page.waitForTimeout(3000); // only for the screenshot: the second bars, growing live, wide enough to see
    await screenshot(page, "experiment");
  }, 180_000);

  it("deletes it after the confirmation: gone from the API and from the list", async () => {
    await goTo(page, "#/experiments");
    await row("from-form").waitFor();
    await screenshot(page, "experiments");
    await goTo(page, `#/experiments/${ns}/podchaos/from-form`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await eventually("from-form gone from the API", async () => ((await podChaos("from-form")) === undefined ? true : undefined), clusterDeadlineMs);
    await goTo(page, "#/experiments");
    await row("from-kubectl").waitFor();
    await row("from-form").waitFor({ state: "detached", timeout: uiDeadlineMs });
  }, 120_000);

  it("a Workflow from kubectl (Serial of two PodChaos tasks): its graph with every node's state as text and colour", async () => {
    await g.kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "Workflow",
        metadata: { name: "two-steps", namespace: ns },
        spec: {
          entry: "steps",
          templates: [
            { name: "steps", templateType: "Serial", deadline: "120s", children: ["first-kill", "then-fail"] },
            { name: "first-kill", templateType: "PodChaos", deadline: "10s", podChaos: { action: "container-kill", mode: "one", containerNames: ["busybox"], selector: { namespaces: [ns], labelSelectors: { app: "busybox" } } } },
            { name: "then-fail", templateType: "PodChaos", deadline: "60s", podChaos: { action: "pod-failure", mode: "one", selector: { namespaces: [ns], labelSelectors: { app: "busybox" } } } },
          ],
        },
      }),
    );
    await goTo(page, `#/workflows/${ns}/two-steps`);
    const graph = page.locator('[data-testid="workflow-graph"]');
    await graph.waitFor();
    const nodes = graph.locator('[data-testid="workflow-node"]');
    const stateOf = (template: string) => nodes.and(page.locator(`[data-template="${template}"]`)).getAttribute("data-state");
    // the whole template tree is drawn at once; live, the Serial moves to its second task once the first's deadline passed
    await eventually("three workflow nodes drawn", async () => ((await nodes.count()) >= 3 ? true : undefined), uiDeadlineMs);
    await eventually("then-fail started (not Pending)", async () => {
      const state = await stateOf("then-fail");
      return state !== null && state !== "Pending" ? true : undefined;
    }, clusterDeadlineMs);
    const drawn = await nodes.evaluateAll((els) =>
      els.map((el) => ({
        state: el.getAttribute("data-state") ?? "",
        text: Array.from(el.querySelectorAll("text"), (t) => t.textContent ?? "").join(" "),
        fill: getComputedStyle(el.querySelector("rect") ?? el).fill,
      })),
    );
    for (const node of drawn) {
      expect(node.state).not.toBe("");
      expect(node.text).toContain(node.state); // the state as text, never the colour alone
    }
    // nodes in different states are drawn in different colours
    const byState = new Map(drawn.map((n) => [n.state, n.fill]));
    expect(byState.size).toBeGreaterThan(1);
    expect(new Set(byState.values()).size).toBe(byState.size);
    await screenshot(page, "workflow");
    await noSeriousViolations("workflow");
  }, 180_000);

  it("the Nodes page lists the cluster's node with its daemon", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Nodes", exact: true }).click();
    const nodeName = (await g.kubectl(["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    await page.locator('[data-testid="node-row"]').filter({ hasText: nodeName }).waitFor();
    await noSeriousViolations("nodes");
    await screenshot(page, "nodes");
  }, 60_000);

  it("the kill switch: Stop all experiments engages killswitch/cluster (every record recovered, shown live), Resume all experiments releases it", async () => {
    await goTo(page, "#/experiments");
    await row("from-kubectl").waitFor();
    await page.getByRole("button", { name: "Stop all experiments", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Stop all experiments", exact: true }).click();
    await eventually("killswitch/cluster engaged", async () => ((await readKillSwitch(g.kubeConfig))?.spec?.engaged === true ? true : undefined), uiDeadlineMs);
    await page.getByRole("button", { name: "Resume all experiments", exact: true }).waitFor();
    await eventually("every record recovered", async () => {
      const status = (await readKillSwitch(g.kubeConfig))?.status;
      return status?.conditions?.some((c) => c.type === "AllRecovered" && c.status === "True") ? true : undefined;
    }, clusterDeadlineMs);
    await eventually("from-kubectl's row Paused", async () => ((await row("from-kubectl").getAttribute("data-phase")) === "Paused" ? true : undefined), uiDeadlineMs);
    await noSeriousViolations("kill-switch-engaged");
    await screenshot(page, "kill-switch-engaged");

    await page.getByRole("button", { name: "Resume all experiments", exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Resume all experiments", exact: true }).click();
    await eventually("killswitch/cluster released", async () => ((await readKillSwitch(g.kubeConfig))?.spec?.engaged === false ? true : undefined), uiDeadlineMs);
    await page.getByRole("button", { name: "Stop all experiments", exact: true }).waitFor();
    await eventually("from-kubectl's row Injected again", async () => ((await row("from-kubectl").getAttribute("data-phase")) === "Injected" ? true : undefined), clusterDeadlineMs);
  }, 120_000);

  it("the nav links work with Tab and Enter alone", async () => {
    await goTo(page, "#/experiments");
    await heading().waitFor();
    for (const [link, hash] of [
      ["Workflows", "#/workflows"],
      ["Nodes", "#/nodes"],
      ["Create", "#/create"],
      ["Experiments", "#/experiments"],
    ] as const) {
      await page.locator("body").focus();
      await tabTo(page, "a", link);
      await page.keyboard.press("Enter");
      await page.waitForFunction((h) => location.hash === h, hash, { timeout: uiDeadlineMs });
      await expect(page.locator("h1").count()).resolves.toBe(1);
    }
  }, 60_000);

  const yamlManifest = (name: string, action: string, annotations: string[] = []) =>
    [
      "apiVersion: chaos-mesh.org/v1alpha1",
      "kind: PodChaos",
      "metadata:",
      `  name: ${name}`,
      `  namespace: ${ns}`,
      ...(annotations.length > 0 ? ["  annotations:", ...annotations.map((a) => `    ${a}`)] : []),
      "spec:",
      `  action: ${action}`,
      "  mode: one",
      "  duration: 5m",
      "  selector:",
      `    namespaces: [${ns}]`,
      "    labelSelectors:",
      "      app: listed",
      "",
    ].join("\n");
  const openYamlTab = async () => {
    await goTo(page, "#/experiments");
    await heading().filter({ hasText: "Experiments" }).waitFor();
    await goTo(page, "#/create");
    await heading().filter({ hasText: /create/i }).waitFor();
    await page.getByLabel(/^Kind/).locator('option[value="PodChaos"]').waitFor({ state: "attached" });
    await page.getByRole("tab", { name: "YAML", exact: true }).click();
    return page.getByLabel(/^Manifest \(YAML\)/);
  };

  it("Validate in the YAML tab with a bad action: the API server's field error names spec.action, and nothing is stored", async () => {
    const yaml = await openYamlTab();
    await yaml.fill(yamlManifest("bad-action", "not-an-action"));
    await page.getByRole("button", { name: "Validate", exact: true }).click();
    const error = await textEventually(page.locator('[data-testid="create-error"]'), "the dry run's refusal", (t) => t.includes("spec.action"));
    expect(error).toContain("spec.action");
    expect(error).toContain("not-an-action");
    await expect(page.locator('[data-testid="field-errors"]').textContent()).resolves.toContain("spec.action");
    await expect(page.locator('[data-testid="validation-ok"]').count()).resolves.toBe(0);
    await noSeriousViolations("create-invalid");
    await expect(podChaos("bad-action")).resolves.toBeUndefined();
  }, 60_000);

  it("creates a PodChaos typed in the YAML tab (not the form): stored as typed, its page opened", async () => {
    const yaml = await openYamlTab();
    // paused: nothing is injected, so the experiments of the other tests are not disturbed
    await yaml.fill(yamlManifest("from-yaml", "pod-failure", [`${pauseAnnotation}: "true"`]));
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForFunction((hash) => location.hash === hash, `#/experiments/${ns}/podchaos/from-yaml`);
    await heading().filter({ hasText: "from-yaml" }).waitFor();
    const stored = (await podChaos("from-yaml")) as (Awaited<ReturnType<typeof podChaos>> & { spec?: { action?: string; mode?: string; duration?: string } }) | undefined;
    expect(stored?.spec).toMatchObject({ action: "pod-failure", mode: "one", duration: "5m" });
    expect(stored?.metadata.annotations?.[pauseAnnotation]).toBe("true");
  }, 60_000);

  it("the Schedules page shows a Schedule from kubectl (@every 5s): its cron, a next run, and the children of its runs", async () => {
    const schedule = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Schedule",
      metadata: { name: "every-5s", namespace: ns },
      spec: { schedule: "@every 5s", type: "PodChaos", concurrencyPolicy: "Forbid", historyLimit: 2, podChaos: { action: "pod-failure", mode: "one", duration: "2s", selector: { namespaces: [ns], labelSelectors: { app: "scheduled" } } } },
    };
    await g.kubectl(["apply", "-f", "-"], JSON.stringify(schedule));
    try {
      await goTo(page, `#/schedules?namespace=${ns}`);
      await heading().filter({ hasText: "Schedules" }).waitFor();
      const section = page.locator(`[data-testid="schedule-row"][data-name="every-5s"][data-namespace="${ns}"]`);
      await section.waitFor();
      await expect(section.locator('[data-testid="schedule-cron"]').textContent()).resolves.toBe("@every 5s");
      await section.locator('[data-testid="schedule-next-run"] time').first().waitFor();
      const next = await section.locator('[data-testid="schedule-next-run"] time').first().getAttribute("datetime");
      expect(Number.isNaN(Date.parse(next ?? ""))).toBe(false);
      // a run has happened: its child listed (live, no reload) and the last run shown as a time
      await section.locator('[data-testid="schedule-child"]').first().waitFor({ timeout: clusterDeadlineMs });
      await expect(section.locator('[data-testid="schedule-child"]').first().getAttribute("data-name")).resolves.toMatch(/^every-5s/);
      await section.locator('[data-testid="schedule-last-run"] time').waitFor({ timeout: uiDeadlineMs });
      await noSeriousViolations("schedules");
      await screenshot(page, "schedules");
    } finally {
      await g.kubectl(["delete", "schedule", "every-5s", "-n", ns, "--wait=false"]);
    }
  }, 180_000);

  it("the list filters by kind and state, kept in the URL across a reload", async () => {
    await goTo(page, "#/experiments");
    await row("from-kubectl").waitFor();
    await row("from-yaml").waitFor();
    const filters = page.getByRole("search", { name: "Filter experiments" });
    // a <label> wrapping a <select> names it with its own words and the selected option's ("Kind all
    // kinds"), so the selects are found by their form names
    const kindSelect = filters.locator('select[name="kind"]');
    const stateSelect = filters.locator('select[name="state"]');
    // a kind with no experiment here: kubectl's PodChaos is filtered out
    const otherKind = await kindSelect.evaluate((el) => Array.from((el as HTMLSelectElement).options, (o) => o.value).find((v) => v !== "" && v !== "PodChaos"));
    expect(otherKind).toBeDefined();
    await kindSelect.selectOption(otherKind!);
    await page.waitForFunction((k) => location.hash.includes(`kind=${k}`), otherKind!);
    await row("from-kubectl").waitFor({ state: "detached" });
    await kindSelect.selectOption("PodChaos");
    await row("from-kubectl").waitFor();
    // state Paused: the paused from-yaml stays, the injected from-kubectl goes
    await eventually("from-kubectl Injected", async () => ((await row("from-kubectl").getAttribute("data-phase")) === "Injected" ? true : undefined), clusterDeadlineMs);
    await stateSelect.selectOption("Paused");
    await page.waitForFunction(() => location.hash.includes("kind=PodChaos") && location.hash.includes("state=Paused"));
    await row("from-kubectl").waitFor({ state: "detached" });
    await row("from-yaml").waitFor();
    const check = async () => {
      const rows = await page.locator('[data-testid="experiment-row"]').evaluateAll((els) => els.map((el) => [el.getAttribute("data-kind"), el.getAttribute("data-phase")]));
      expect(rows.length).toBeGreaterThan(0);
      for (const [kind, phase] of rows) expect([kind, phase]).toEqual(["PodChaos", "Paused"]);
    };
    await check();
    // a reload keeps both filters (the URL holds them; the session in sessionStorage)
    await page.reload();
    await row("from-yaml").waitFor();
    await expect(kindSelect.inputValue()).resolves.toBe("PodChaos");
    await expect(stateSelect.inputValue()).resolves.toBe("Paused");
    await expect(row("from-kubectl").count()).resolves.toBe(0);
    await check();
  }, 120_000);
});
