// The interceptor as a process: what the daemon runs inside a target pod's network namespace.
//
//   node dns-interceptor-main.js --config <file.json> --port <n> [--host 127.0.0.1]
//        [--orphan-check-ms 2000] [--upstream-timeout-ms 2000]
//
// --host is 127.0.0.1 unless told: iptables' REDIRECT in OUTPUT sends the pod's own queries there,
// and a UDP reply must leave from that address to be un-NATed back into one from the nameserver the
// client asked (a stub resolver's connected socket drops a reply from any other address).
//
// Protocol with the daemon:
//   - config file (JSON): { "upstreams": ["10.0.0.10", …], "rules": [{ "recordKey": "…",
//     "action": "error" | "random", "patterns": ["api.example.test", …] }, …] }, checked strictly
//     (unknown fields, an empty upstream list, a bad action or pattern are refused, naming them);
//   - stdout: exactly one line, `{"ready":true,"port":<n>}`, once UDP and TCP both listen;
//   - stderr: JSON log lines ({"time","level","event",…});
//   - exit 2: bad arguments or a bad config at start (the reason logged); exit 1: cannot listen;
//   - SIGHUP: read the config again and use it at once; a bad config keeps the rules and upstreams
//     in force and logs why;
//   - SIGTERM / SIGINT: close both sockets, exit 0;
//   - every --orphan-check-ms (0: never) it checks that another process on the host still shares
//     its network namespace (../../pod-netns-process/netns-peers.ts); when none does, the pod is gone: it logs
//     "orphaned" and exits 0 by itself.
// What it answers: see dns-interceptor.ts (matching names get `error` / `random`, `error` winning
// when both match; everything else is relayed byte for byte from the upstreams).

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDnsInterceptorConfig, type DnsInterceptorConfig } from "./dns-interceptor-config.js";
import { startDnsInterceptor, type DnsInterceptor } from "./dns-interceptor.js";
import { createNetnsPeerCheck, socketInodeOfUdpPort } from "../../pod-netns-process/netns-peers.js";

function log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

function nonNegativeInt(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) throw new Error(`--${name} must be an integer from 0 to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  let options: { config: string; port: number; host: string; orphanCheckMs: number; upstreamTimeoutMs: number };
  let config: DnsInterceptorConfig;
  try {
    const { values } = parseArgs({
      options: {
        config: { type: "string" },
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        "orphan-check-ms": { type: "string" },
        "upstream-timeout-ms": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.config === undefined) throw new Error("--config <file.json> is required");
    if (values.port === undefined) throw new Error("--port <n> is required");
    options = {
      config: values.config,
      port: nonNegativeInt("port", values.port, 0, 65535),
      host: values.host,
      orphanCheckMs: nonNegativeInt("orphan-check-ms", values["orphan-check-ms"], 2000),
      upstreamTimeoutMs: nonNegativeInt("upstream-timeout-ms", values["upstream-timeout-ms"], 2000),
    };
    config = parseDnsInterceptorConfig(readFileSync(options.config, "utf8"), options.config);
  } catch (err) {
    log("error", "bad-start", { error: (err as Error).message });
    process.exit(2);
  }

  let interceptor: DnsInterceptor;
  try {
    interceptor = await startDnsInterceptor({
      host: options.host,
      port: options.port,
      upstreams: config.upstreams,
      rules: config.rules,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      log: (e) => log(String(e["event"]).includes("fail") || String(e["event"]).includes("error") ? "warn" : "info", String(e["event"]), e),
    });
  } catch (err) {
    log("error", "cannot-listen", { error: (err as Error).message, host: options.host, port: options.port });
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port: interceptor.port })}\n`);
  log("info", "ready", { port: interceptor.port, config: options.config, upstreams: config.upstreams, rules: config.rules });

  let exiting = false;
  const exit = async (reason: string) => {
    if (exiting) return;
    exiting = true;
    log("info", "exiting", { reason });
    await interceptor.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void exit("SIGTERM"));
  process.on("SIGINT", () => void exit("SIGINT"));
  process.on("SIGHUP", () => {
    try {
      const next = parseDnsInterceptorConfig(readFileSync(options.config, "utf8"), options.config);
      interceptor.setUpstreams(next.upstreams);
      interceptor.setRules(next.rules);
      log("info", "reloaded", { upstreams: next.upstreams, rules: next.rules });
    } catch (err) {
      log("warn", "reload-failed", { error: (err as Error).message, keeping: "the rules and upstreams in force" });
    }
  });

  if (options.orphanCheckMs > 0) {
    let inode: string | undefined;
    const hasPeer = createNetnsPeerCheck({ socketInode: () => (inode ??= socketInodeOfUdpPort(interceptor.port)) });
    const timer = setInterval(() => {
      if (!hasPeer()) {
        clearInterval(timer);
        void exit("orphaned: no other process shares this network namespace (the pod is gone)");
      }
    }, options.orphanCheckMs);
  }
}

void main();
