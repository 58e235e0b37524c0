// The proxy as a process: what the daemon runs inside a target pod's network namespace.
//
//   node http-proxy-main.js --config <file.json> [--host 0.0.0.0] [--orphan-check-ms 2000]
//
// --host is 0.0.0.0 unless told: iptables' REDIRECT in PREROUTING rewrites an incoming connection's
// destination to the pod's own address (the receiving interface's first address) and the listener's
// port, so the proxy must listen there; it forwards to that same address on the rule's port.
//
// Protocol with the daemon:
//   - config file (JSON, http-proxy-config.ts): { "listeners": [{ "port": 15080, "serverPort": 8080 }],
//     "rules": [{ "recordKey": "…", <PodHttpChaos rule> }, …], "tls": { "cert", "key", "ca" } | null },
//     checked strictly (unknown fields, a bad rule, a bad port are refused, naming them);
//   - stdout: exactly one line, `{"ready":true,"ports":[<n>, …]}` (one port per listener, in order),
//     once every listener listens;
//   - stderr: JSON log lines ({"time","level","event",…});
//   - exit 2: bad arguments or a bad config at start (the reason logged); exit 1: cannot listen;
//   - SIGHUP: read the config again and use it at once: rules, TLS material, and listeners (new
//     ones start listening, those gone stop accepting; their open connections are served until
//     they close). A bad config, or a listener that cannot listen, keeps what is in force and logs why;
//   - SIGTERM / SIGINT: close every listener and connection, exit 0;
//   - every --orphan-check-ms (0: never) it checks that another process on the host still shares
//     its network namespace (../../pod-netns-process/netns-peers.ts, by its first listener's TCP
//     socket); when none does, the pod is gone: it logs "orphaned" and exits 0 by itself.
// What it does to traffic: see http-proxy.ts and http-rules.ts.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createNetnsPeerCheck, socketInodeOfTcpPort } from "../../pod-netns-process/netns-peers.js";
import { parseHttpProxyConfig, type HttpProxyConfig } from "./http-proxy-config.js";
import { startHttpProxy, type HttpProxy } from "./http-proxy.js";

function log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new Error(`--${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** What the log says of a config: never the TLS key. */
const described = (c: HttpProxyConfig) => ({
  listeners: c.listeners,
  rules: c.rules.map((r) => ({ recordKey: r.recordKey, target: r.target, port: r.port })),
  tls: c.tls === null ? null : { ca: c.tls.ca !== undefined },
});

async function main(): Promise<void> {
  let options: { config: string; host: string; orphanCheckMs: number };
  let config: HttpProxyConfig;
  try {
    const { values } = parseArgs({
      options: { config: { type: "string" }, host: { type: "string", default: "0.0.0.0" }, "orphan-check-ms": { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.config === undefined) throw new Error("--config <file.json> is required");
    options = { config: values.config, host: values.host, orphanCheckMs: nonNegativeInt("orphan-check-ms", values["orphan-check-ms"], 2000) };
    config = parseHttpProxyConfig(readFileSync(options.config, "utf8"), options.config);
  } catch (err) {
    log("error", "bad-start", { error: (err as Error).message });
    process.exit(2);
  }

  let proxy: HttpProxy;
  try {
    proxy = await startHttpProxy({
      host: options.host,
      listeners: config.listeners,
      rules: config.rules,
      tls: config.tls,
      log: (e) => log("warn", String(e["event"]), e),
    });
  } catch (err) {
    log("error", "cannot-listen", { error: (err as Error).message, host: options.host, listeners: config.listeners });
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, ports: proxy.ports })}\n`);
  log("info", "ready", { ports: proxy.ports, config: options.config, ...described(config) });

  let exiting = false;
  const exit = async (reason: string) => {
    if (exiting) return;
    exiting = true;
    log("info", "exiting", { reason });
    await proxy.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void exit("SIGTERM"));
  process.on("SIGINT", () => void exit("SIGINT"));

  let inForce = config;
  let reloads = Promise.resolve();
  const reload = async () => {
    let next: HttpProxyConfig;
    try {
      next = parseHttpProxyConfig(readFileSync(options.config, "utf8"), options.config);
      proxy.setTls(next.tls); // throws on bad material, changing nothing
    } catch (err) {
      return log("warn", "reload-failed", { error: (err as Error).message, keeping: "the config in force" });
    }
    try {
      await proxy.setListeners(next.listeners);
    } catch (err) {
      proxy.setTls(inForce.tls);
      return log("warn", "reload-failed", { error: (err as Error).message, keeping: "the config in force" });
    }
    proxy.setRules(next.rules);
    inForce = next;
    log("info", "reloaded", { ports: proxy.ports, ...described(next) });
  };
  process.on("SIGHUP", () => void (reloads = reloads.then(reload)));

  if (options.orphanCheckMs > 0) {
    // the first listener's socket, looked up again when a reload changed which one that is
    let socket: { port: number; inode: string | undefined } | undefined;
    const socketInode = () => {
      const port = proxy.ports[0]!;
      if (socket?.port !== port || socket.inode === undefined) socket = { port, inode: socketInodeOfTcpPort(port) };
      return socket.inode;
    };
    const hasPeer = createNetnsPeerCheck({ protocol: "tcp", socketInode });
    const timer = setInterval(() => {
      if (!hasPeer()) {
        clearInterval(timer);
        void exit("orphaned: no other process shares this network namespace (the pod is gone)");
      }
    }, options.orphanCheckMs);
  }
}

void main();
