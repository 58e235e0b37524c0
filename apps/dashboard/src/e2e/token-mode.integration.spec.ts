import type { Browser, Page } from "playwright-core";
import { pauseAnnotation } from "@faultline/api";
import { apiRequest, applyChaosCrds, createTestNamespace, localCluster, type LocalCluster } from "@faultline/test-ground";
import {
  goTo,
  launchChromium,
  limitedUserToken,
  openPage,
  readChaos,
  screenshot,
  seriousAxeViolations,
  startTokenDashboard,
  textEventually,
  type DashboardServer,
} from "./dashboard-browser.test-support.js";

// Token mode in Debian's Chromium: the built server started with --api-server and --ca-file only (it
// holds no credential), a user who signs in with a ServiceAccount token from the TokenRequest API.
// That ServiceAccount's Role lets it read, create and patch chaos objects in its namespace but not
// delete them: its Delete is refused by the API server, and the page names the verb and resource.
describe("the dashboard in token mode: a user without delete rights", () => {
  let cluster: LocalCluster;
  let ns: { name: string; remove(): Promise<void> } | undefined;
  let dashboard: DashboardServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    cluster = await localCluster("full");
    await applyChaosCrds(cluster.kubeConfig);
    ns = await createTestNamespace(cluster.kubeConfig, "dashboard-token");
    // an experiment the user will try to delete; paused, so nothing would be injected were a manager running
    const created = await apiRequest(cluster.kubeConfig, "POST", `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns.name}/podchaos`, {
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "PodChaos",
        metadata: { name: "keep-me", annotations: { [pauseAnnotation]: "true" } },
        spec: { action: "container-kill", mode: "one", containerNames: ["busybox"], selector: { namespaces: [ns.name], labelSelectors: { app: "busybox" } } },
      },
    });
    if (created.status !== 201) throw new Error(`create podchaos/keep-me: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    ({ token } = await limitedUserToken(cluster.kubeConfig, ns.name));
    dashboard = await startTokenDashboard(cluster.kubeConfig);
    browser = await launchChromium();
    ({ page } = await openPage(browser));
  }, 120_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    for (const step of [() => browser?.close(), () => dashboard?.stop(), () => ns?.remove()]) await Promise.resolve(step()).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }, 120_000);

  it("shows the sign-in form, refuses a token the API server does not accept, and signs in with the user's token", async () => {
    await page.goto(dashboard!.url);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    const field = page.getByLabel(/token/i);
    await field.fill("not-a-token");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: /token/i }).waitFor();
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();

    await field.fill("");
    await field.pressSequentially(token, { delay: 0 });
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  }, 60_000);

  it("the Experiments list: listing podchaos in every namespace is refused and named; picking the user's namespace lists its experiments", async () => {
    await goTo(page, "#/experiments");
    await page.getByRole("heading", { level: 1, name: "Experiments" }).waitFor();
    // the Role is namespaced: listing cluster-wide is refused by the API server, for every chaos kind
    const refusal = await textEventually(page.locator('[data-testid="permission-error"]'), "the list refusal", (t) => /\blist\b/.test(t) && /\bpodchaos\b/.test(t));
    expect(refusal).toMatch(/\blist\b/);
    expect(refusal).toMatch(/\bpodchaos\b/);
    await expect(page.locator('[data-testid="experiment-row"]').count()).resolves.toBe(0);
    const field = page.getByRole("search", { name: "Filter experiments" }).getByLabel("Namespace", { exact: true });
    await field.fill(ns!.name);
    await field.press("Enter");
    await page.waitForFunction((name) => location.hash.includes(`namespace=${name}`), ns!.name);
    await page.locator(`[data-testid="experiment-row"][data-name="keep-me"][data-namespace="${ns!.name}"]`).waitFor();
    await page.locator('[data-testid="permission-error"]').waitFor({ state: "detached" });
    expect(await seriousAxeViolations(page)).toEqual([]);
  }, 60_000);

  it("its Delete is refused: the page names the verb and the resource, and the object stays", async () => {
    await goTo(page, `#/experiments/${ns!.name}/podchaos/keep-me`);
    await page.getByRole("heading", { level: 1 }).filter({ hasText: "keep-me" }).waitFor();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    const refusal = await textEventually(page.locator('[data-testid="permission-error"]'), "the refusal", (t) => t.includes("delete"));
    expect(refusal).toMatch(/\bdelete\b/);
    expect(refusal).toMatch(/\bpodchaos\b/);
    expect(refusal).toContain(ns!.name);
    await screenshot(page, "permission-error", { fullPage: false });
    expect(await readChaos(cluster.kubeConfig, ns!.name, "podchaos", "keep-me")).toBeDefined();
  }, 60_000);
});
