// The proxy as a process: what the daemon runs inside a target pod's network namespace.
//
//   node http-proxy-main.js --config <file.json> [--host 0.0.0.0] [--orphan-check-ms 2000]
//
// --host is 0.0.0.0 unless told: iptables' REDIRECT in PREROUTING rewrites an incoming connection's
// destination to the pod's own address (the receiving interface's first address) and the listener's
// port, so the proxy must listen there; it forwards to that same address on the rule's port.
//
// Protocol with the daemon (the lifecycle is ../../pod-netns-process/helper-process-main.ts):
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

import { runHelperProcess } from "../../pod-netns-process/helper-process-main.js";
import { parseHttpProxyConfig, type HttpProxyConfig } from "./http-proxy-config.js";
import { startHttpProxy } from "./http-proxy.js";

/** What the log says of a config: never the TLS key. */
const described = (c: HttpProxyConfig) => ({
  listeners: c.listeners,
  rules: c.rules.map((r) => ({ recordKey: r.recordKey, target: r.target, port: r.port })),
  tls: c.tls === null ? null : { ca: c.tls.ca !== undefined },
});

void runHelperProcess({
  defaultHost: "0.0.0.0",
  options: {},
  parseOptions: () => ({}),
  parseConfig: parseHttpProxyConfig,
  start: (options, config, log) => startHttpProxy({ host: options.host, listeners: config.listeners, rules: config.rules, tls: config.tls, log: (e) => log("warn", String(e["event"]), e) }),
  cannotListenFields: (_, config) => ({ listeners: config.listeners }),
  readyFields: (proxy) => ({ ports: proxy.ports }),
  describe: described,
  apply: async (proxy, next, inForce) => {
    proxy.setTls(next.tls); // throws on bad material, changing nothing
    try {
      await proxy.setListeners(next.listeners);
    } catch (err) {
      proxy.setTls(inForce.tls);
      throw err;
    }
    proxy.setRules(next.rules);
  },
  keeping: "the config in force",
  // the first listener's socket, looked up again when a reload changed which one that is
  orphanSocket: { protocol: "tcp", port: (proxy) => proxy.ports[0]! },
});
