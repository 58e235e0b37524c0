// Test support: the BUILT faultline binary spawned as a user would (node dist/bin/faultline.js, or
// `kubectl faultline` through a kubectl-faultline on PATH), and a terminal for it in tmux.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { scriptPath as localClusterScript } from "../../../tools/local-cluster/handle.mjs";

export const cliMain = fileURLToPath(new URL("../dist/bin/faultline.js", import.meta.url));
const run = promisify(execFile);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `faultline <args>` to its end with the kubeconfig given (stdin not a terminal). */
export function runFaultline(args: readonly string[], options: { kubeconfig: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return collect(spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, KUBECONFIG: options.kubeconfig, ...options.env }, stdio: ["ignore", "pipe", "pipe"] }), options.timeoutMs ?? 60_000);
}

/** Starts `faultline <args>` and returns it with its output so far (for --watch). */
export function startFaultline(args: readonly string[], kubeconfig: string): { child: ChildProcess; output: () => { stdout: string; stderr: string }; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => ({ stdout, stderr }), done };
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The directory of the local cluster's kubectl (from `local-cluster env`). */
export async function kubectlDir(): Promise<string> {
  const { stdout } = await run(localClusterScript, ["env"]);
  const dir = /^export PATH=([^:\n]+):\$PATH$/m.exec(stdout)?.[1];
  if (dir === undefined) throw new Error(`local-cluster env names no PATH: ${stdout}`);
  return dir;
}

/** A PATH on which `kubectl faultline` finds the built binary (a kubectl-faultline link to it) and node. */
export async function pluginPath(): Promise<string> {
  const bin = mkdtempSync(join(tmpdir(), "faultline-plugin-"));
  symlinkSync(cliMain, join(bin, "kubectl-faultline"));
  return [bin, await kubectlDir(), dirname(process.execPath), process.env["PATH"] ?? ""].join(":");
}

/** A tmux session running one command in a terminal of 160x30; its screen, keys, and its end. */
export async function tmuxSession(name: string, command: string) {
  await run("tmux", ["new-session", "-d", "-s", name, "-x", "160", "-y", "30", command]);
  return {
    screen: async () => (await run("tmux", ["capture-pane", "-p", "-t", name])).stdout,
    keys: (...keys: string[]) => run("tmux", ["send-keys", "-t", name, ...keys]),
    alive: () => run("tmux", ["has-session", "-t", name]).then(() => true, () => false),
    kill: () => run("tmux", ["kill-session", "-t", name]).catch(() => undefined),
  };
}
