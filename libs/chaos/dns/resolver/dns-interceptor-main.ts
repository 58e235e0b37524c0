// The interceptor as a process: what the daemon runs inside a target pod's network namespace.
//
//   node dns-interceptor-main.js --config <file.json> --port <n> [--host 127.0.0.1]
//        [--orphan-check-ms 2000] [--upstream-timeout-ms 2000]
//
// --host is 127.0.0.1 unless told: iptables' REDIRECT in OUTPUT sends the pod's own queries there,
// and a UDP reply must leave from that address to be un-NATed back into one from the nameserver the
// client asked (a stub resolver's connected socket drops a reply from any other address).
//
// Protocol with the daemon (the lifecycle is ../../pod-netns-process/helper-process-main.ts):
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

import { nonNegativeIntArg, runHelperProcess } from "../../pod-netns-process/helper-process-main.js";
import { parseDnsInterceptorConfig } from "./dns-interceptor-config.js";
import { startDnsInterceptor } from "./dns-interceptor.js";

void runHelperProcess({
  defaultHost: "127.0.0.1",
  options: { port: { type: "string" }, "upstream-timeout-ms": { type: "string" } },
  parseOptions: (values) => {
    if (values["port"] === undefined) throw new Error("--port <n> is required");
    return {
      port: nonNegativeIntArg("port", values["port"] as string, 0, 65535),
      upstreamTimeoutMs: nonNegativeIntArg("upstream-timeout-ms", values["upstream-timeout-ms"] as string | undefined, 2000),
    };
  },
  parseConfig: parseDnsInterceptorConfig,
  start: (options, config, log) =>
    startDnsInterceptor({
      host: options.host,
      port: options.port,
      upstreams: config.upstreams,
      rules: config.rules,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      log: (e) => log(String(e["event"]).includes("fail") || String(e["event"]).includes("error") ? "warn" : "info", String(e["event"]), e),
    }),
  cannotListenFields: (options) => ({ port: options.port }),
  readyFields: (interceptor) => ({ port: interceptor.port }),
  describe: (config) => ({ upstreams: config.upstreams, rules: config.rules }),
  apply: (interceptor, next) => {
    interceptor.setUpstreams(next.upstreams);
    interceptor.setRules(next.rules);
  },
  keeping: "the rules and upstreams in force",
  orphanSocket: { protocol: "udp", port: (interceptor) => interceptor.port },
});
