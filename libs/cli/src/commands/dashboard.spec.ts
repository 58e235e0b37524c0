import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli.js";
import { CliError, type CliIo } from "../cli-io.js";
import { dashboardArgs, dashboardOnPath, locateDashboard, notInstalledMessage, runDashboard } from "./dashboard.js";

function bufferIo(env: { [name: string]: string | undefined } = {}): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stdinIsTTY: false, interrupted: new Promise(() => {}), env, out: () => out, err: () => err };
}

const dir = mkdtempSync(join(tmpdir(), "faultline-dashboard-bin-"));
const withBin = join(dir, "with-bin");
const notExecutable = join(dir, "not-executable");
mkdirSync(withBin);
mkdirSync(notExecutable);
writeFileSync(join(withBin, "faultline-dashboard"), "#!/bin/sh\n");
chmodSync(join(withBin, "faultline-dashboard"), 0o755);
writeFileSync(join(notExecutable, "faultline-dashboard"), "#!/bin/sh\n");
chmodSync(join(notExecutable, "faultline-dashboard"), 0o644);

describe("faultline dashboard", () => {
  it("passes the CLI's kubeconfig, context, port and host on", () => {
    expect(dashboardArgs({})).toEqual([]);
    expect(dashboardArgs({ kubeconfig: "/k", context: "dev", port: "0", host: "::1" })).toEqual(["--kubeconfig", "/k", "--context", "dev", "--port", "0", "--host", "::1"]);
  });

  it("finds the installed package first, else an executable faultline-dashboard on PATH", () => {
    expect(dashboardOnPath(`${notExecutable}:${withBin}`)).toBe(join(withBin, "faultline-dashboard"));
    expect(dashboardOnPath(notExecutable)).toBeUndefined();
    expect(dashboardOnPath(undefined)).toBeUndefined();
    expect(locateDashboard({ PATH: withBin }, () => "/lib/node_modules/@faultline/dashboard/dist/server/main.js")).toEqual({ command: process.execPath, args: ["/lib/node_modules/@faultline/dashboard/dist/server/main.js"], from: "/lib/node_modules/@faultline/dashboard/dist/server/main.js" });
    expect(locateDashboard({ PATH: withBin }, () => undefined)).toEqual({ command: join(withBin, "faultline-dashboard"), args: [], from: join(withBin, "faultline-dashboard") });
    expect(locateDashboard({ PATH: notExecutable }, () => undefined)).toBeUndefined();
  });

  it("not installed: a message naming npm i -g @faultline/dashboard", async () => {
    await expect(runDashboard(bufferIo(), {}, () => undefined)).rejects.toEqual(new CliError(notInstalledMessage));
    expect(notInstalledMessage).toContain('"npm i -g @faultline/dashboard"');
  });

  it("-n, -A, -o and arguments are usage errors (exit 2)", async () => {
    for (const argv of [["dashboard", "-n", "x"], ["-A", "dashboard"], ["dashboard", "-o", "json"], ["dashboard", "extra"], ["dashboard", "--bogus"]]) {
      const io = bufferIo();
      expect(await runCli(argv, io)).toBe(2);
      expect(io.err()).toMatch(/^faultline: dashboard/);
    }
  });
});
