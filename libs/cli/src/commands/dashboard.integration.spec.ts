// `faultline dashboard` as a user runs it: the built CLI finds the installed @faultline/dashboard
// (here the workspace's, built) and runs it with the CLI's kubeconfig and context; Ctrl-C ends both.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, localCluster, type LocalCluster } from "@faultline/test-ground";
import { CliError, type CliIo } from "../cli-io.js";
import { cliMain } from "../cli-processes.test-support.js";
import { locateDashboard, runDashboard } from "./dashboard.js";

function get(url: string, headers: { [name: string]: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await localCluster("api-only");
});

describe("faultline dashboard (the built CLI)", () => {
  it("runs the installed dashboard with --context and the KUBECONFIG of the CLI; its URL line passes through; Ctrl-C ends it with exit 0", async () => {
    const context = cluster.kubeConfig.getCurrentContext();
    const child = spawn(process.execPath, [cliMain, "dashboard", "--port", "0", "--context", context], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const [, url, session] = await eventually("the dashboard's URL", async () => /^Faultline dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?session=(\S+)\n$/.exec(stdout) ?? undefined, 20_000);
      expect(JSON.parse((await get(`${url}api/config`)).text)).toMatchObject({ mode: "kubeconfig", cluster: cluster.server, context });
      expect((await get(`${url}api/kube/api/v1/namespaces/default`, { "x-faultline-session": session! })).status).toBe(200);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(stderr).toBe("faultline-dashboard: SIGTERM: stopping\n");
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);

  it("a faultline-dashboard on PATH when the package is not beside the CLI: run with the flags, its exit code returned", async () => {
    const bin = mkdtempSync(join(tmpdir(), "faultline-dashboard-path-"));
    writeFileSync(join(bin, "faultline-dashboard"), '#!/bin/sh\necho "args: $*"\necho "KUBECONFIG=$KUBECONFIG" >&2\nexit 3\n');
    chmodSync(join(bin, "faultline-dashboard"), 0o755);
    let out = "";
    let err = "";
    const env = { PATH: `${bin}:/usr/bin:/bin`, KUBECONFIG: "/some/config" };
    const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stdinIsTTY: false, interrupted: new Promise(() => {}), env };
    expect(await runDashboard(io, { context: "dev", port: "0" }, () => locateDashboard(env, () => undefined))).toBe(3);
    expect(out).toBe("args: --context dev --port 0\n");
    expect(err).toBe("KUBECONFIG=/some/config\n");
    await expect(runDashboard(io, {}, () => ({ command: join(bin, "gone"), args: [], from: join(bin, "gone") }))).rejects.toEqual(new CliError(`cannot run the dashboard ${join(bin, "gone")}: spawn ${join(bin, "gone")} ENOENT`));
  });
});
