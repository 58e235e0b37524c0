// The wiring of `faultline`: global flags (kubectl's), the command, its flags, exit codes.
// Each command's logic is in its own file under commands/.
import { createInterface } from "node:readline";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError, exitFailure, exitOk, exitUsage, UsageError, type CliIo } from "./cli-io.js";
import { Kube } from "./kube.js";
import { parseDurationFlag, parseOutputFormat } from "./output.js";
import { runDashboard } from "./commands/dashboard.js";
import { runDoctor } from "./commands/doctor.js";
import { runPlan } from "./commands/plan.js";
import { runRecover } from "./commands/recover.js";
import { runStatus } from "./commands/status.js";
import { runStopOrResume } from "./commands/stop.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

const globalOptions: Options = {
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  context: { type: "string" },
  kubeconfig: { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
};

const commandOptions: { [command: string]: Options } = {
  status: { watch: { type: "boolean", short: "w" }, interval: { type: "string" } },
  plan: { filename: { type: "string", short: "f" }, timeout: { type: "string" } },
  stop: { all: { type: "boolean" }, reason: { type: "string" }, wait: { type: "boolean" }, "no-wait": { type: "boolean" }, timeout: { type: "string" } },
  resume: { all: { type: "boolean" }, reason: { type: "string" } },
  doctor: { "faultline-namespace": { type: "string" }, timeout: { type: "string" } },
  recover: { orphans: { type: "boolean" }, yes: { type: "boolean", short: "y" }, "faultline-namespace": { type: "string" }, timeout: { type: "string" } },
  dashboard: { port: { type: "string" }, host: { type: "string" } },
};

export const usage = `faultline — Faultline chaos experiments from the command line (also: kubectl faultline)

Usage: faultline <command> [flags]

Commands:
  status [kind/name]        experiments: records injected/total per node, conditions, last events
      -w, --watch           live progress until Ctrl-C (progress bars on a terminal, lines otherwise)
      --interval 2s         how often --watch reads (default 1s)
  plan -f manifest.yaml     what the experiment would do on this cluster, without doing it
      --timeout 30s         how long to wait for the manager's plan
  stop --all                engage the kill switch: every experiment recovered, nothing new starts
      --reason TEXT         why (shown on every paused experiment)
      --wait                wait until every record is recovered (the default)
      --no-wait             do not wait until every record is recovered
      --timeout 60s         how long to wait (default 60s)
  stop kind/name            pause one experiment (experiment.chaos-mesh.org/pause)
  resume --all              disengage the kill switch: what was running resumes
  resume kind/name          resume one paused experiment
  doctor                    nodes' daemons and capabilities, the manager, RBAC gaps (exit 1 on a problem)
      --faultline-namespace chaos-mesh   where the manager runs
      --timeout 30s         how long to wait for the manager's fresh status (default 30s)
  recover --orphans         list injections whose experiment is gone; remove them after confirmation
      -y, --yes             confirm without a prompt (required when stdin is not a terminal)
      --timeout 60s         how long to wait for the manager's status and sweep (default 60s)
  dashboard                 the dashboard in a browser, with your kubeconfig (runs @faultline/dashboard,
                            installed with npm i -g @faultline/dashboard); prints its URL, Ctrl-C ends it
      --port 7070           the port (0 picks a free one)
      --host 127.0.0.1      the address to listen on

Global flags (before or after the command: faultline -n shop status):
  -n, --namespace NS        the namespace (default: the context's, else "default")
  -A, --all-namespaces      every namespace (status)
      --context NAME        the kubeconfig context
      --kubeconfig PATH     the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  -o, --output json|yaml    machine-readable output (default: a table)
  -h, --help                this help

Exit codes: 0 ok, 1 a failure or a refusal, 2 a usage error, 130 interrupted (Ctrl-C) while waiting. Errors go to stderr.
`;

/** Parses `argv` (without node and the script) and runs the command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`faultline: ${err.message}\n`);
      if (err.exitCode === exitUsage) io.stderr.write(`Run "faultline --help" for usage.\n`);
      return err.exitCode;
    }
    io.stderr.write(`faultline: ${(err as Error).stack ?? String(err)}\n`);
    return exitFailure;
  }
}

/**
 * The command word and where it is: the first positional once the global flags are read, so the
 * value of a global flag before the command (`faultline -n shop status`, kubectl's way) is not it.
 */
export function findCommand(argv: readonly string[]): { command: string; index: number } | undefined {
  const { tokens } = parseArgs({ args: [...argv], options: globalOptions, allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((t) => t.kind === "positional" || t.kind === "option-terminator");
  if (first?.kind !== "positional") return undefined;
  return { command: first.value, index: first.index };
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const found = findCommand(argv);
  const command = found?.command;
  if (command === undefined || command === "help") {
    if (argv.includes("-h") || argv.includes("--help") || command === "help") {
      io.stdout.write(usage);
      return exitOk;
    }
    throw new UsageError(argv.length === 0 ? "no command given" : `no command in ${argv.join(" ")}`);
  }
  const ownOptions = commandOptions[command];
  if (ownOptions === undefined) throw new UsageError(`unknown command "${command}" (commands: ${Object.keys(commandOptions).join(", ")})`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv.filter((_, i) => i !== found!.index), options: { ...globalOptions, ...ownOptions }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, "")}`);
  }
  const values = parsed.values as { [flag: string]: string | boolean | undefined };
  const positionals = parsed.positionals;
  if (values["help"]) {
    io.stdout.write(usage);
    return exitOk;
  }
  const str = (flag: string) => values[flag] as string | undefined;
  const bool = (flag: string) => values[flag] === true;
  const output = parseOutputFormat(str("output"));
  if (bool("all-namespaces") && str("namespace") !== undefined) throw new UsageError("--namespace and --all-namespaces exclude each other");
  const duration = (flag: string, fallback: number) => (str(flag) === undefined ? fallback : parseDurationFlag(`--${flag}`, str(flag)!));
  const maxPositionals = (n: number, what: string) => {
    if (positionals.length > n) throw new UsageError(`${command}: unexpected argument "${positionals[n]}"${what ? ` (${what})` : ""}`);
  };
  const kube = () => Kube.load({ ...(str("kubeconfig") ? { kubeconfig: str("kubeconfig")! } : {}), ...(str("context") ? { context: str("context")! } : {}) }, io.env);

  switch (command) {
    case "status": {
      maxPositionals(1, "status takes at most one kind/name");
      const k = kube();
      if (bool("all-namespaces") && positionals[0] !== undefined) throw new UsageError("status kind/name: --all-namespaces does not apply to one experiment (use -n)");
      return runStatus(k, io, {
        ...(positionals[0] === undefined ? {} : { target: positionals[0] }),
        namespace: bool("all-namespaces") ? undefined : (str("namespace") ?? k.defaultNamespace),
        output,
        watch: bool("watch"),
        intervalMs: duration("interval", 1000),
      });
    }
    case "plan": {
      maxPositionals(0, "plan reads its manifest from -f");
      const file = str("filename");
      if (file === undefined) throw new UsageError("plan: -f/--filename manifest.yaml is required");
      const k = kube();
      return runPlan(k, io, { file, ...(str("namespace") ? { namespace: str("namespace")! } : {}), output, timeoutMs: duration("timeout", 30_000) });
    }
    case "stop":
    case "resume": {
      maxPositionals(1, `${command} takes --all or one kind/name`);
      const all = bool("all");
      const target = positionals[0];
      if (all === (target !== undefined)) throw new UsageError(`${command}: give either --all or one kind/name`);
      if (bool("wait") && bool("no-wait")) throw new UsageError("--wait and --no-wait exclude each other");
      if (!all && (str("reason") !== undefined || bool("no-wait") || str("timeout") !== undefined)) throw new UsageError(`${command} kind/name: --reason, --no-wait and --timeout apply to --all only`);
      const k = kube();
      return runStopOrResume(k, io, {
        action: command,
        ...(target === undefined ? {} : { target }),
        namespace: str("namespace") ?? k.defaultNamespace,
        ...(str("reason") === undefined ? {} : { reason: str("reason")! }),
        wait: !bool("no-wait"),
        timeoutMs: duration("timeout", 60_000),
        output,
      });
    }
    case "doctor": {
      maxPositionals(0, "");
      const k = kube();
      return runDoctor(k, io, { faultlineNamespace: str("faultline-namespace") ?? "chaos-mesh", namespace: str("namespace") ?? k.defaultNamespace, output, timeoutMs: duration("timeout", 30_000) });
    }
    case "recover": {
      maxPositionals(0, "");
      if (!bool("orphans")) throw new UsageError("recover: --orphans is required (it is the only thing recover does)");
      const k = kube();
      return runRecover(k, io, { faultlineNamespace: str("faultline-namespace") ?? "chaos-mesh", yes: bool("yes"), output, timeoutMs: duration("timeout", 60_000) });
    }
    case "dashboard": {
      maxPositionals(0, "");
      if (str("namespace") !== undefined || bool("all-namespaces") || str("output") !== undefined) throw new UsageError("dashboard: -n, -A and -o do not apply (the dashboard shows every namespace your RBAC lets you read)");
      return runDashboard(io, { ...(str("kubeconfig") ? { kubeconfig: str("kubeconfig")! } : {}), ...(str("context") ? { context: str("context")! } : {}), ...(str("port") ? { port: str("port")! } : {}), ...(str("host") ? { host: str("host")! } : {}) });
    }
  }
  throw new UsageError(`unknown command "${command}"`);
}

/** The process's own streams, a readline prompt on a terminal, and Ctrl-C. */
export function processIo(): CliIo {
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    prompt: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
          resolve(answer); // before close: close resolves "" (stdin ended) otherwise
          rl.close();
        });
        rl.on("close", () => resolve(""));
      }),
    interrupted,
    env: process.env,
  };
}
