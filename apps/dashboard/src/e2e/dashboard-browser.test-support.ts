// Test support for the dashboard's browser tests: Debian's Chromium driven by playwright-core, the
// BUILT dashboard server (dist/server/main.js) spawned as a user runs it, the built manager and
// daemon on the local cluster's real kubelet (apps/manager's test support), busybox pods to target,
// a limited user's bearer token, axe-core in the page, screenshots for the README.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { killSwitchName, killSwitchResource } from "@faultline/api";
import { apiRequest, deleteChaosObjects, deployBusybox, eventually, requireRealParts, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "../../../manager/src/manager-processes.test-support.js";
import { kubectlDir } from "../../../../libs/cli/src/cli-processes.test-support.js";

const require = createRequire(import.meta.url);

/** The built server, as `faultline-dashboard` runs it. */
export const dashboardMain = fileURLToPath(new URL("../../dist/server/main.js", import.meta.url));
/**
 * Where the runs' screenshots go: `<repo>/.test-results/dashboard-screenshots/` (gitignored), so a
 * test run leaves the tree clean; with `FAULTLINE_UPDATE_SCREENSHOTS=1`, the committed
 * `docs/screenshots/` the dashboard README shows.
 */
export const screenshotDir = fileURLToPath(
  process.env["FAULTLINE_UPDATE_SCREENSHOTS"] === "1" ? new URL("../../docs/screenshots/", import.meta.url) : new URL("../../../../.test-results/dashboard-screenshots/", import.meta.url),
);
/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const chromiumPath = process.env["FAULTLINE_CHROMIUM"] ?? "/usr/bin/chromium";

/** How long a poll for something the UI or the cluster should show waits before failing (never an upper bound on speed). */
export const uiDeadlineMs = 30_000;
/** The same for what needs the manager and the kubelet (injection, recovery, pods restarted). */
export const clusterDeadlineMs = 90_000;

/** Chromium, headless, with the flags the design names (no sandbox as root, no network of its own). */
export async function launchChromium(): Promise<Browser> {
  requireRealParts("Chromium");
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's package (apt-get install chromium), or set FAULTLINE_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A fresh browser context (its own sessionStorage) and page of 1280x860, with what the page logged. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; console: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(uiDeadlineMs);
  const console: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => console.push(`pageerror: ${e.message}`));
  return { context, page, console };
}

/** The dashboard server as a child process, with the URL it printed. */
export interface DashboardServer {
  /** What it printed after `Faultline dashboard: ` (with `?session=` in kubeconfig mode). */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `node dist/server/main.js --port 0 ...args` and resolves with the URL of its
 * `Faultline dashboard: <url>` line; rejects with its output when it exits first or prints none in time.
 */
export async function startDashboard(args: readonly string[], timeoutMs = 30_000): Promise<DashboardServer> {
  requireRealParts("the dashboard server");
  if (!existsSync(dashboardMain)) throw new Error(`${dashboardMain} is not built: npx nx run @faultline/dashboard:build`);
  const child = spawn(process.execPath, [dashboardMain, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the dashboard printed no "Faultline dashboard: <url>" line in ${timeoutMs} ms; output: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Faultline dashboard: (\S+)/.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the dashboard exited (${code ?? signal}) before printing its URL; output: ${output}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The dashboard in kubeconfig mode with the given kubeconfig (the cluster's admin in these tests). */
export const startKubeconfigDashboard = (kubeconfigPath: string, extraArgs: readonly string[] = []) => startDashboard(["--kubeconfig", kubeconfigPath, ...extraArgs]);

/**
 * The dashboard in token mode against the local cluster's API server, with its CA written to a file
 * as an operator would mount it: the server adds no credential; the browser signs in with a token.
 */
export function startTokenDashboard(kubeConfig: KubeConfig): Promise<DashboardServer> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig names no current cluster");
  const caFile = cluster.caFile ?? join(mkdtempSync(join(tmpdir(), "faultline-dashboard-ca-")), "ca.crt");
  if (!cluster.caFile) {
    if (!cluster.caData) throw new Error("the kubeconfig's cluster has no certificate-authority");
    writeFileSync(caFile, Buffer.from(cluster.caData, "base64"));
  }
  return startDashboard(["--api-server", cluster.server, "--ca-file", caFile]);
}

/** Everything a kubeconfig-mode browser spec runs against; `stop()` removes all of it, in order. */
export interface DashboardGround {
  ground: KubeletGround;
  kubeConfig: KubeConfig;
  namespace: string;
  manager: AppProcess;
  /** The local cluster's kubectl as the cluster's admin: its stdout (`input` on its stdin, e.g. for `apply -f -`). */
  kubectl: (args: readonly string[], input?: string) => Promise<string>;
  stop(): Promise<void>;
}

/**
 * The local cluster (full) with the generated CRDs, a fresh namespace with a busybox Deployment
 * (`app=<busybox>`, 2 pods on the real kubelet), a daemon on the kubelet's containerd and the
 * built manager. `stop()` deletes the namespace's chaos objects while the manager still runs (it
 * recovers what it injected and removes its finalizers), stops the manager and the daemon, and
 * deletes the namespace (never forcing a finalizer).
 */
export async function startDashboardGround(prefix: string, options: { managerArgs?: string[]; busybox?: { name: string; replicas: number }[] } = {}): Promise<DashboardGround> {
  const ground = await startKubeletGround(prefix);
  const kubeConfig = ground.cluster.kubeConfig;
  const namespace = ground.ns.name;
  let manager: AppProcess | undefined;
  try {
    await Promise.all((options.busybox ?? [{ name: "busybox", replicas: 2 }]).map((b) => deployBusybox(kubeConfig, namespace, b)));
    manager = await startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace, daemonSocket: ground.daemonSocket, httpPort: await freePort(), extraArgs: options.managerArgs });
  } catch (error) {
    await ground.stop().catch(() => undefined);
    throw error;
  }
  const kubectl = kubectlAs(ground.cluster.kubeconfigPath);
  return {
    ground,
    kubeConfig,
    namespace,
    manager,
    kubectl,
    async stop() {
      try {
        await deleteChaosObjects(kubeConfig, namespace, { timeoutMs: 60_000 });
      } finally {
        await manager!.stop();
        await ground.stop();
      }
    },
  };
}

/** The local cluster's kubectl with a kubeconfig: resolves with its stdout, rejects with its stderr. */
export function kubectlAs(kubeconfigPath: string): (args: readonly string[], input?: string) => Promise<string> {
  let bin: Promise<string> | undefined;
  return async (args, input) => {
    const kubectl = join(await (bin ??= kubectlDir()), "kubectl");
    return new Promise<string>((resolve, reject) => {
      const child = spawn(kubectl, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath }, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kubectl ${args.join(" ")} exited ${code}: ${stderr}`))));
      child.stdin.end(input ?? "");
    });
  };
}

/**
 * A user who may read, create, update and patch every chaos-mesh.org object of `namespace` (and read
 * its pods and events) but NOT delete them: a ServiceAccount bound to such a Role. Returns its bearer
 * token from the TokenRequest API (an hour), as an operator would hand it to the person signing in.
 */
export async function limitedUserToken(kubeConfig: KubeConfig, namespace: string, name = "no-delete"): Promise<{ token: string; username: string }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        { apiGroups: ["chaos-mesh.org"], resources: ["*"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
        { apiGroups: [""], resources: ["pods", "events"], verbs: ["get", "list", "watch"] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const review = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = review.status?.token;
  if (!token) throw new Error(`TokenRequest for serviceaccount ${namespace}/${name} returned no token`);
  return { token, username: `system:serviceaccount:${namespace}:${name}` };
}

/** The kill switch's object path. */
export const killSwitchPath = `/apis/${killSwitchResource.group}/${killSwitchResource.version}/${killSwitchResource.plural}/${killSwitchName}`;

/** Reads killswitch/cluster (undefined when it does not exist). */
export interface KillSwitchObject {
  spec?: { engaged?: boolean; reason?: string };
  status?: { conditions?: { type: string; status: string }[]; activeRecords?: number };
}

export async function readKillSwitch(kubeConfig: KubeConfig): Promise<KillSwitchObject | undefined> {
  const res = await apiRequest(kubeConfig, "GET", killSwitchPath);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`read ${killSwitchPath}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Puts killswitch/cluster back as it was before a test: deleted when it did not exist, else its
 * spec restored (released, unless it was engaged before). Call it in an afterAll, so a failed test
 * never leaves every experiment of the cluster stopped.
 */
export async function restoreKillSwitch(kubeConfig: KubeConfig, before: KillSwitchObject | undefined): Promise<void> {
  const res = before
    ? await apiRequest(kubeConfig, "PATCH", killSwitchPath, { body: { spec: { engaged: before.spec?.engaged ?? false, reason: before.spec?.reason ?? null } }, contentType: "application/merge-patch+json" })
    : await apiRequest(kubeConfig, "DELETE", killSwitchPath);
  if (res.status >= 300 && res.status !== 404) throw new Error(`restore ${killSwitchPath}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/** One axe-core finding. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. The page's CSP
 * (`default-src 'self'`) rightly refuses an inline <script>, which is what `page.addScriptTag` makes
 * of a file, so axe-core's own file (the installed package's) is evaluated through the DevTools
 * protocol instead, which the CSP does not govern: the page's own code stays under its CSP.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === "object"))) await page.evaluate(readFileSync(require.resolve("axe-core"), "utf8"));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Saves a screenshot of the page as <view>.png in {@link screenshotDir}: the whole page, or the viewport (a modal dialog's backdrop covers only that). */
export async function screenshot(page: Page, view: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${view}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  return path;
}

/** Moves to a hash route (`#/nodes`) in the same tab (the session stays in its sessionStorage). */
export async function goTo(page: Page, route: string): Promise<void> {
  await page.evaluate((hash) => {
    location.hash = hash;
  }, route);
}

/** What has the keyboard focus: its tag, role, accessible-ish name (aria-label or text) and href. */
export async function focused(page: Page): Promise<{ tag: string; name: string; href: string | null; role: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? "",
      name: (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim(),
      href: el?.getAttribute("href") ?? null,
      role: el?.getAttribute("role") ?? null,
    };
  });
}

/**
 * Presses Tab until the focused element is a `tag` named `name` (exactly), at most `maxTabs` times,
 * and returns how many presses it took; fails naming what was reached on the way.
 */
export async function tabTo(page: Page, tag: string, name: string, maxTabs = 80): Promise<number> {
  const seen: string[] = [];
  for (let presses = 1; presses <= maxTabs; presses++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (f.tag === tag && f.name === name) return presses;
    seen.push(`${f.tag}:${f.name.slice(0, 30)}`);
  }
  throw new Error(`no <${tag}> named "${name}" reached with ${maxTabs} Tab presses; reached: ${seen.join(" | ")}`);
}

/** Polls a locator's text until `test` accepts it (at least {@link uiDeadlineMs}); returns that text. */
export function textEventually(locator: Locator, what: string, test: (text: string) => boolean, timeoutMs = uiDeadlineMs): Promise<string> {
  return eventually(what, async () => {
    const text = (await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : undefined;
    return text !== undefined && test(text) ? text : undefined;
  }, timeoutMs, 200);
}

/** A chaos object through the admin kubeconfig (undefined once it is gone). */
export async function readChaos(kubeConfig: KubeConfig, namespace: string, plural: string, name: string): Promise<ChaosObject | undefined> {
  const res = await apiRequest(kubeConfig, "GET", `/apis/chaos-mesh.org/v1alpha1/namespaces/${namespace}/${plural}/${name}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`read ${plural}/${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ChaosObject;
}

export interface ChaosObject {
  metadata: { name: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason?: string }[]; experiment?: { containerRecords?: { id: string; phase: string }[] } };
}

/** Whether a condition of a chaos object is True. */
export const conditionTrue = (obj: ChaosObject | undefined, type: string) => obj?.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

export { clusterDeadlineMs as deadline, eventually };
