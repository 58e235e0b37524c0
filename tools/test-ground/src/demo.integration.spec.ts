// The README's main command, twice in a row: tools/demo's script (what `npm run demo` runs once the
// cluster is up and the manager, the daemon and this package are built, as this project's test
// target makes sure) must pass both times, and afterwards the cluster must hold no object of a
// namespace that no longer exists. A cleanup that forces a namespace away before the namespace
// controller has emptied it fails both: the second run's Deployment collides with the first's
// (409 deployments.apps "busybox" already exists), and the first's objects are still stored.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node";
import { apiRequest } from "./api-request.js";
import { describeObject, objectsInNamespace, objectsWithoutNamespace } from "./api-resources.js";
import { localCluster } from "./local-cluster.js";

const demoScript = fileURLToPath(new URL("../../demo/helloworld-demo.mjs", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const demoNamespace = "busybox";

/** Runs the demo's script to its end; its output is kept for the failure message. */
function runDemo(): Promise<{ code: number | null; seconds: number; output: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demoScript], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, seconds: Math.round((Date.now() - started) / 100) / 10, output }));
  });
}

const tail = (output: string) => output.split("\n").slice(-40).join("\n");

let kubeConfig: KubeConfig;
beforeAll(async () => {
  kubeConfig = (await localCluster("full")).kubeConfig;
}, 300_000);

test("the demo passes twice in a row and leaves no object of a deleted namespace behind", async () => {
  const first = await runDemo();
  expect({ code: first.code, tail: tail(first.output) }).toEqual({ code: 0, tail: expect.any(String) });
  const second = await runDemo();
  expect({ code: second.code, tail: tail(second.output) }).toEqual({ code: 0, tail: expect.any(String) });
  console.log(`demo run 1: ${first.seconds} s, run 2: ${second.seconds} s`);
  for (const run of [first, second]) {
    expect(run.output).toContain("DNSChaos: api.example.test fails with SERVFAIL, www.example.test still resolves");
    expect(run.output).toContain("DNSChaos recovered: api.example.test resolves again");
    expect(run.output).toContain("HTTPChaos: web's answer replaced on its way to the client");
    expect(run.output).toContain("HTTPChaos recovered: web answers its own page again");
    expect(run.output).toContain("TimeChaos: web's clock runs two hours behind");
    expect(run.output).toContain("TimeChaos recovered: web's clock is right again");
    expect(run.output).toContain("IOChaos: each write to /data waits 100 ms");
    expect(run.output).toContain("IOChaos recovered: /data is the pod's own volume again");
    expect(run.output).toContain("chaos objects deleted and recovered by the manager");
    expect(run.output).toContain(`namespace ${demoNamespace} deleted with everything in it`);
  }

  expect((await apiRequest(kubeConfig, "GET", `/api/v1/namespaces/${demoNamespace}`)).status).toBe(404);
  expect((await objectsInNamespace(kubeConfig, demoNamespace)).map(describeObject)).toEqual([]);
  expect((await objectsWithoutNamespace(kubeConfig)).map(describeObject)).toEqual([]);
}, 600_000);
