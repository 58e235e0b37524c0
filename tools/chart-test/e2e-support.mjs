// What the chart's end-to-end tests (e2e.test.mjs, e2e-multinode.test.mjs) share: checks that print
// one line each and stop the run at the first failure, kubectl and friends, polling, the README's
// `helm install` line, and the release's pods and their JSON log lines.
import { execFileSync } from "node:child_process";

/**
 * Named checks, run in order: "ok <name> (<seconds>)" or "FAIL <name>" with the error; after the
 * first failure the rest are reported as not run (`stopped` says whether one failed). `summary()`
 * prints "N passed, N failed" and sets the exit code.
 */
export function createChecks() {
  let passed = 0;
  let failed = 0;
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    async check(name, fn) {
      if (stopped) {
        failed++;
        console.log(`FAIL ${name}\n     not run: an earlier step failed`);
        return;
      }
      const started = Date.now();
      try {
        await fn();
        passed++;
        console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (err) {
        failed++;
        stopped = true;
        console.log(`FAIL ${name}\n     ${String(err?.stderr || err?.message || err).trim().replaceAll("\n", "\n     ")}`);
      }
    },
    summary() {
      console.log(`${passed} passed, ${failed} failed`);
      process.exitCode = failed === 0 ? 0 : 1;
    },
  };
}

export const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};
export const run = (cmd, args, input) =>
  execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 << 20 });
export const kubectl = (...args) => run("kubectl", args);
export const kubectlIn = (input, ...args) => run("kubectl", args, input);
export const json = (...args) => JSON.parse(kubectl(...args, "-o", "json"));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every second until it answers something truthy (returned), or throws after `timeoutMs`. */
export async function until(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.stderr || last.message}` : ""}`);
    await sleep(1000);
  }
}

/** The README's own `helm install` line (under "## Deploy with Helm"): the line, its arguments, release and namespace. */
export function readmeHelmInstall(repo) {
  const readme = run("cat", [`${repo}README.md`]);
  const installLine = /^helm install .*$/m.exec(readme.slice(readme.indexOf("## Deploy with Helm")))?.[0];
  if (!installLine) throw new Error("README.md: no `helm install` line under \"## Deploy with Helm\"");
  const installArgs = installLine.trim().split(/\s+/).slice(1); // install <release> <chart> --namespace <ns> ...
  return { installLine, installArgs, release: installArgs[1], namespace: installArgs[installArgs.indexOf("--namespace") + 1] };
}

/** The chart's appVersion, the tag of the images it runs. */
export const chartAppVersion = (chart) => /^appVersion:\s*"?([^"\s]+)"?/m.exec(run("cat", [`${chart}/Chart.yaml`]))[1];

/** The release's pods of one component (manager, daemon), readiness, and a pod's JSON log lines. */
export function releasePods(namespace, release) {
  return {
    podsOf: (component) => json("-n", namespace, "get", "pods", "-l", `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`).items,
    isReady: (pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    logLines: (pod) =>
      kubectl("-n", namespace, "logs", pod)
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)),
  };
}
