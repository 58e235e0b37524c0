// `faultline dashboard`: runs the dashboard's server (the `faultline-dashboard` of the package
// @faultline/dashboard) with the CLI's kubeconfig and context. The dashboard is a layer above the
// CLI, so the CLI does not import it: it finds the installed one when the command runs — next to
// the CLI's own package (a global install of both), else on PATH — and runs it as a process.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { CliError, exitFailure, type CliIo } from "../cli-io.js";

/** The package that holds the dashboard, and its binary. */
export const dashboardPackage = "@faultline/dashboard";
export const dashboardBin = "faultline-dashboard";

export interface DashboardCommandOptions {
  kubeconfig?: string;
  context?: string;
  port?: string;
  host?: string;
}

/** How to run the dashboard: `command args…` (node and the script, or the binary found on PATH). */
export interface DashboardCommand {
  command: string;
  args: string[];
  /** Where it was found, for the message of a failure. */
  from: string;
}

/** The installed package's server script (its dist/server/main.js), resolved as the CLI's own imports are; undefined when it is not installed. */
export function dashboardOfInstalledPackage(): string | undefined {
  try {
    // the package's main entry is dist/server/index.js; the binary is main.js beside it
    const main = join(dirname(createRequire(import.meta.url).resolve(dashboardPackage)), "main.js");
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
}

/** The first executable `faultline-dashboard` on `PATH`. */
export function dashboardOnPath(path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, dashboardBin);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The dashboard's flags for the CLI's. */
export function dashboardArgs(options: DashboardCommandOptions): string[] {
  return [
    ...(options.kubeconfig === undefined ? [] : ["--kubeconfig", options.kubeconfig]),
    ...(options.context === undefined ? [] : ["--context", options.context]),
    ...(options.port === undefined ? [] : ["--port", options.port]),
    ...(options.host === undefined ? [] : ["--host", options.host]),
  ];
}

export const notInstalledMessage = `the dashboard is not installed: install it with "npm i -g @faultline/dashboard" (faultline dashboard runs its ${dashboardBin}, found next to @faultline/cli or on PATH), or run it once with "npx @faultline/dashboard"`;

/** Where the dashboard is: the installed package first, else PATH; undefined when neither has it. */
export function locateDashboard(env: { [name: string]: string | undefined }, installed: () => string | undefined = dashboardOfInstalledPackage): DashboardCommand | undefined {
  const main = installed();
  if (main !== undefined) return { command: process.execPath, args: [main], from: main };
  const bin = dashboardOnPath(env["PATH"]);
  return bin === undefined ? undefined : { command: bin, args: [], from: bin };
}

/**
 * Runs the dashboard until it ends (Ctrl-C ends it: it gets SIGTERM, and stops serving); its
 * output passes through. Returns its exit code.
 */
export async function runDashboard(io: CliIo, options: DashboardCommandOptions, locate: () => DashboardCommand | undefined = () => locateDashboard(io.env)): Promise<number> {
  const found = locate();
  if (found === undefined) throw new CliError(notInstalledMessage);
  const child = spawn(found.command, [...found.args, ...dashboardArgs(options)], { env: io.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d: Buffer) => io.stdout.write(d.toString()));
  child.stderr.on("data", (d: Buffer) => io.stderr.write(d.toString()));
  void io.interrupted.then(() => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.once("error", (err) => reject(new CliError(`cannot run the dashboard ${found.from}: ${err.message}`)));
    child.once("close", (code) => resolve(code ?? exitFailure));
  });
}
