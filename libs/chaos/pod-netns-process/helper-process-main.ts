// The lifecycle every process the daemon runs in a pod's network namespace shares (DNSChaos's
// interceptor, ../dns/resolver/dns-interceptor-main.ts; HTTPChaos's proxy,
// ../http/proxy/http-proxy-main.ts). Each main gives only its own options, config parser, start
// function and ready-line fields; the protocol with the daemon is this file's:
//   - arguments: `--config <file.json>` (required), `--host <addr>` (the kind's default),
//     `--orphan-check-ms <n>` (2000; 0: never), then the kind's own; unknown ones refused;
//   - the config file: JSON, read strictly (parseConfigObject: unknown fields refused, naming them);
//   - stdout: exactly one line, `{"ready":true,…the kind's fields}`, once it listens;
//   - stderr: JSON log lines ({"time","level","event",…}): "bad-start", "cannot-listen", "ready",
//     "reloaded", "reload-failed", "exiting", and the kind's own;
//   - exit 2: bad arguments or a bad config at start (logged "bad-start"); exit 1: cannot listen;
//   - SIGHUP: read the config again and put it in force (one reload at a time, in order); a bad
//     config, or one the kind cannot apply, keeps what is in force and logs "reload-failed";
//   - SIGTERM / SIGINT: close, exit 0;
//   - every --orphan-check-ms it checks that another process still shares its network namespace
//     (netns-peers.ts, by the kind's listening socket); when none does, the pod is gone: it logs
//     "exiting" with an "orphaned: …" reason and exits 0.

import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createNetnsPeerCheck, socketInodeOfPort, type SocketProtocol } from "./netns-peers.js";

export type HelperLogLevel = "info" | "warn" | "error";
export type HelperLog = (level: HelperLogLevel, event: string, fields?: Record<string, unknown>) => void;

/** One stderr log line (with its newline). */
export function helperLogLine(level: HelperLogLevel, event: string, fields: Record<string, unknown> = {}, now = new Date()): string {
  return `${JSON.stringify({ time: now.toISOString(), level, event, ...fields })}\n`;
}

/** `value` of option `--name` as an integer from 0 to `max`, or `fallback` when absent; throws naming the option. */
export function nonNegativeIntArg(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > max) {
    throw new Error(`--${name} must be ${max === Number.MAX_SAFE_INTEGER ? "a non-negative integer" : `an integer from 0 to ${max}`}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * A config file's text as a JSON object with only `fields` (any may be absent: the kind checks
 * each); throws `config <file> is not JSON: …` or `config <file>: …`. `fail` throws the same way,
 * for the kind's own checks.
 */
export function parseConfigObject(text: string, file: string, fields: readonly string[]): { value: Record<string, unknown>; fail: (why: string) => never } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`config ${file} is not JSON: ${(err as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new Error(`config ${file}: ${why}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`must be an object { ${fields.join(", ")} }`);
  const unknownKey = Object.keys(value as object).find((k) => !fields.includes(k));
  if (unknownKey !== undefined) fail(`unknown field ${JSON.stringify(unknownKey)}`);
  return { value: value as Record<string, unknown>, fail };
}

/** The options every helper process takes. */
export interface HelperCommonOptions {
  readonly config: string;
  readonly host: string;
  readonly orphanCheckMs: number;
}

/** Parses the common options and the kind's (`own`, read from the same values by `parseOwn`); throws naming a bad one. */
export function parseHelperArgs<O>(
  args: readonly string[],
  defaultHost: string,
  own: NonNullable<ParseArgsConfig["options"]>,
  parseOwn: (values: Record<string, string | boolean | (string | boolean)[] | undefined>) => O,
): HelperCommonOptions & O {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: "string" }, host: { type: "string", default: defaultHost }, "orphan-check-ms": { type: "string" }, ...own },
    strict: true,
    allowPositionals: false,
  });
  if (values["config"] === undefined) throw new Error("--config <file.json> is required");
  const common = {
    config: values["config"] as string,
    host: values["host"] as string,
    orphanCheckMs: nonNegativeIntArg("orphan-check-ms", values["orphan-check-ms"] as string | undefined, 2000),
  };
  return { ...common, ...parseOwn(values) };
}

/**
 * Reloads one at a time, in order: each reads the config, applies it (a throw keeps what is in
 * force) and logs "reloaded" (with `fields`) or "reload-failed" (with `keeping`).
 */
export function createReloader<C>(options: {
  readonly read: () => C;
  readonly apply: (next: C, inForce: C) => Promise<void> | void;
  readonly inForce: C;
  readonly fields: (config: C) => Record<string, unknown>;
  readonly keeping: string;
  readonly log: HelperLog;
}): () => Promise<void> {
  let inForce = options.inForce;
  let reloads = Promise.resolve();
  const reload = async () => {
    let next: C;
    try {
      next = options.read();
      await options.apply(next, inForce);
    } catch (err) {
      return options.log("warn", "reload-failed", { error: (err as Error).message, keeping: options.keeping });
    }
    inForce = next;
    options.log("info", "reloaded", options.fields(next));
  };
  return () => (reloads = reloads.then(reload));
}

/** The inode of our socket on `port()`, looked up again when the port changed or it was not found. */
export function followedSocketInode(port: () => number, lookup: (port: number) => string | undefined): () => string | undefined {
  let socket: { port: number; inode: string | undefined } | undefined;
  return () => {
    const p = port();
    if (socket?.port !== p || socket.inode === undefined) socket = { port: p, inode: lookup(p) };
    return socket.inode;
  };
}

/** What a kind's main gives: its options, config, start and ready line. */
export interface HelperProcessDefinition<O, C, P extends { close(): Promise<void> }> {
  /** The default of --host. */
  readonly defaultHost: string;
  /** The kind's own options (node:util parseArgs form, all strings) and how to read them; throws naming a bad one. */
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  readonly parseOptions: (values: Record<string, string | boolean | (string | boolean)[] | undefined>) => O;
  /** Parses a config file's text; throws naming the file and the field. */
  readonly parseConfig: (text: string, file: string) => C;
  /** Starts listening; throws when it cannot (exit 1). */
  readonly start: (options: HelperCommonOptions & O, config: C, log: HelperLog) => Promise<P>;
  /** Logged with "cannot-listen", besides the error and host. */
  readonly cannotListenFields: (options: HelperCommonOptions & O, config: C) => Record<string, unknown>;
  /** The ready line's fields after `"ready":true` (also logged with "ready" and "reloaded"). */
  readonly readyFields: (running: P) => Record<string, unknown>;
  /** What the log says of a config ("ready", "reloaded"). */
  readonly describe: (config: C) => Record<string, unknown>;
  /** Puts a new config in force; throws keeping the one in force (as it was) when it cannot. */
  readonly apply: (running: P, next: C, inForce: C) => Promise<void> | void;
  /** What "reload-failed" says is kept. */
  readonly keeping: string;
  /** The listening socket the orphan check looks for in other processes' tables. */
  readonly orphanSocket: { readonly protocol: SocketProtocol; readonly port: (running: P) => number };
}

const log: HelperLog = (level, event, fields) => void process.stderr.write(helperLogLine(level, event, fields));

/** Runs a helper process (see the file's comment) until a signal or the orphan check ends it. */
export async function runHelperProcess<O, C, P extends { close(): Promise<void> }>(def: HelperProcessDefinition<O, C, P>): Promise<void> {
  let options: HelperCommonOptions & O;
  let config: C;
  const readConfig = () => def.parseConfig(readFileSync(options.config, "utf8"), options.config);
  try {
    options = parseHelperArgs(process.argv.slice(2), def.defaultHost, def.options, def.parseOptions);
    config = readConfig();
  } catch (err) {
    log("error", "bad-start", { error: (err as Error).message });
    return process.exit(2);
  }

  let running: P;
  try {
    running = await def.start(options, config, log);
  } catch (err) {
    log("error", "cannot-listen", { error: (err as Error).message, host: options.host, ...def.cannotListenFields(options, config) });
    return process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, ...def.readyFields(running) })}\n`);
  log("info", "ready", { ...def.readyFields(running), config: options.config, ...def.describe(config) });

  let exiting = false;
  const exit = async (reason: string) => {
    if (exiting) return;
    exiting = true;
    log("info", "exiting", { reason });
    await running.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void exit("SIGTERM"));
  process.on("SIGINT", () => void exit("SIGINT"));

  const reload = createReloader({
    read: readConfig,
    apply: (next, inForce) => def.apply(running, next, inForce),
    inForce: config,
    fields: (c) => ({ ...def.readyFields(running), ...def.describe(c) }),
    keeping: def.keeping,
    log,
  });
  process.on("SIGHUP", () => void reload());

  if (options.orphanCheckMs > 0) {
    const { protocol } = def.orphanSocket;
    const socketInode = followedSocketInode(() => def.orphanSocket.port(running), (port) => socketInodeOfPort(protocol, port));
    const hasPeer = createNetnsPeerCheck({ protocol, socketInode });
    const timer = setInterval(() => {
      if (!hasPeer()) {
        clearInterval(timer);
        void exit("orphaned: no other process shares this network namespace (the pod is gone)");
      }
    }, options.orphanCheckMs);
  }
}
