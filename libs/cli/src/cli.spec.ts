import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCommand, runCli } from "./cli.js";
import type { CliIo } from "./cli-io.js";

function bufferIo(env: { [k: string]: string } = {}): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdinIsTTY: false,
    interrupted: new Promise(() => undefined),
    env,
    out: () => out,
    err: () => err,
  };
}

// a kubeconfig whose server is a closed port: the usage checks come before any request
const dir = mkdtempSync(join(tmpdir(), "faultline-cli-"));
const kubeconfig = join(dir, "config");
writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: ctx, context: {cluster: c, user: u, namespace: shop}}]\ncurrent-context: ctx\n");

describe("runCli", () => {
  it("prints help and exits 0", async () => {
    const io = bufferIo();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(io.out()).toContain("Usage: faultline <command> [flags]");
  });

  it.each([
    [[], "no command given"],
    [["explode"], 'unknown command "explode"'],
    [["status", "--frobnicate"], "status: Unknown option '--frobnicate'"],
    [["status", "-o", "wide"], '--output "wide": must be json or yaml'],
    [["status", "-n", "a", "-A"], "--namespace and --all-namespaces exclude each other"],
    [["status", "a/b", "c/d"], 'unexpected argument "c/d"'],
    [["plan"], "plan: -f/--filename manifest.yaml is required"],
    [["stop"], "stop: give either --all or one kind/name"],
    [["stop", "--all", "podchaos/x"], "stop: give either --all or one kind/name"],
    [["stop", "podchaos/x", "--reason", "r"], "--reason, --no-wait and --timeout apply to --all only"],
    [["stop", "--all", "--timeout", "soon"], '--timeout "soon": not a duration'],
    [["recover"], "recover: --orphans is required"],
  ])("%j is a usage error (exit 2): %s", async (argv, message) => {
    const io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(argv as string[], io)).toBe(2);
    expect(io.err()).toContain(message);
    expect(io.out()).toBe("");
  });

  it("a missing kubeconfig or context is a failure (exit 1) naming it", async () => {
    let io = bufferIo();
    expect(await runCli(["status", "--kubeconfig", join(dir, "absent")], io)).toBe(1);
    expect(io.err()).toMatch(/^faultline: cannot load kubeconfig .*absent/);
    io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(["status", "--context", "prod"], io)).toBe(1);
    expect(io.err()).toContain("--context prod: no such context in kubeconfig");
  });

  it.each([
    [["-n", "shop", "status"], { command: "status", index: 2 }],
    [["--namespace", "shop", "status", "podchaos/x"], { command: "status", index: 2 }],
    [["--namespace=shop", "status"], { command: "status", index: 1 }],
    [["-nshop", "-o", "json", "status"], { command: "status", index: 3 }],
    [["--context", "prod", "stop", "--all"], { command: "stop", index: 2 }],
    [["--kubeconfig", "/k", "-A", "status", "-w"], { command: "status", index: 3 }],
    [["-n", "status", "status"], { command: "status", index: 2 }],
    [["status", "-n", "shop"], { command: "status", index: 0 }],
  ])("finds the command after global flags and their values: %j", (argv, expected) => {
    expect(findCommand(argv as string[])).toEqual(expected);
  });

  it("global flags before the command are read as flags (kubectl's way), not taken for the command", async () => {
    let io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(["--kubeconfig", kubeconfig, "--context", "prod", "stop", "--all"], io)).toBe(1);
    expect(io.err()).toContain("--context prod: no such context in kubeconfig");
    io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(["-n", "shop", "-A", "status"], io)).toBe(2);
    expect(io.err()).toContain("--namespace and --all-namespaces exclude each other");
    io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(["-n", "shop", "--kubeconfig", kubeconfig, "-o", "json", "status"], io)).toBe(1);
    expect(io.err()).toContain("cannot reach the API server https://127.0.0.1:1");
    expect(io.err()).not.toContain("unknown command");
  });

  it("an unreachable API server is a failure naming the server", async () => {
    const io = bufferIo({ KUBECONFIG: kubeconfig });
    expect(await runCli(["status", "--kubeconfig", kubeconfig], io)).toBe(1);
    expect(io.err()).toContain("cannot reach the API server https://127.0.0.1:1");
  });
});
