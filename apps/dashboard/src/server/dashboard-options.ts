// The dashboard server's options: from `faultline-dashboard` flags (parseDashboardArgs) or from a
// program (startDashboardServer), checked in one place (resolveDashboardOptions) so both refuse
// the same bad input with the same message naming the flag.
import { parseArgs } from "node:util";
import { isIP } from "node:net";
import { isLoopback } from "./request-guards.js";

/** What {@link startDashboardServer} takes. */
export interface DashboardServerOptions {
  /**
   * `kubeconfig` (the default): the server adds the credentials of the user's kubeconfig to every
   * request. `token`: the server forwards the browser's `Authorization: Bearer` header and adds nothing.
   */
  mode?: "kubeconfig" | "token";
  /** Kubeconfig mode: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** Kubeconfig mode: the context (default: the kubeconfig's current context). */
  context?: string;
  /** Token mode: the API server's URL (https://host:port). */
  apiServer?: string;
  /** Token mode: the CA certificate(s) that sign the API server's certificate (PEM); default: the system's CAs. */
  caFile?: string;
  /** Where to listen (default 127.0.0.1). Kubeconfig mode takes a loopback address only. */
  host?: string;
  /** The port (default 7070; 0 = a free one). */
  port?: number;
  /** The namespace Faultline's manager runs in (default chaos-mesh), told to the UI. */
  faultlineNamespace?: string;
  /** The built UI (default: dist/ui of this package). */
  uiDir?: string;
}

export type ResolvedAuth = { mode: "kubeconfig"; kubeconfig?: string; context?: string } | { mode: "token"; apiServer: URL; caFile?: string };

export interface ResolvedDashboardOptions {
  auth: ResolvedAuth;
  host: string;
  port: number;
  faultlineNamespace: string;
  uiDir?: string;
}

export const defaultPort = 7070;
export const defaultHost = "127.0.0.1";
export const defaultInClusterCaFile = "/etc/faultline/kube-ca/ca.crt";

/** A bad flag or option: its message names it. */
export class DashboardUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardUsageError";
  }
}

export const dashboardUsage = `faultline-dashboard — Faultline's dashboard: every experiment live in a browser

Usage:
  faultline-dashboard [--kubeconfig F] [--context C] [--port 7070] [--host 127.0.0.1]
      kubeconfig mode (the default): every request is made with your kubeconfig's credentials
      (client certificates, tokens, exec plugins). It listens on 127.0.0.1 and prints a URL with a
      session secret; only a browser that opened that URL can use it.
  faultline-dashboard --api-server https://HOST:PORT [--ca-file ca.crt] [--port 7070] [--host 127.0.0.1]
  faultline-dashboard --in-cluster [--ca-file ${defaultInClusterCaFile}] [--port 7070] [--host 0.0.0.0]
      token mode: the browser signs in with a bearer token, which is forwarded as it is; the
      server adds no credential of its own (it reads no ServiceAccount token). --in-cluster takes the
      API server from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and listens on 0.0.0.0.

Flags:
      --kubeconfig PATH      the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME         the kubeconfig context (default: its current context)
      --api-server URL       token mode: the API server
      --ca-file PATH         token mode: the CA of the API server's certificate (PEM)
      --in-cluster           token mode, inside a pod
      --port N               the port (default ${defaultPort}; 0 picks a free one)
      --host ADDRESS         the address to listen on (default ${defaultHost}; --in-cluster: 0.0.0.0;
                             kubeconfig mode: loopback addresses only)
      --faultline-namespace NS   where Faultline's manager runs (default chaos-mesh)
  -h, --help                 this help

It prints one line, "Faultline dashboard: <URL>", and serves until Ctrl-C (or SIGTERM).
`;

/**
 * Reads `faultline-dashboard` flags into options for startDashboardServer. `env` gives
 * KUBERNETES_SERVICE_HOST/PORT for --in-cluster. Throws {@link DashboardUsageError} naming the flag.
 */
export function parseDashboardArgs(argv: readonly string[], env: { [name: string]: string | undefined } = process.env): { help: true } | { help: false; options: DashboardServerOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        "api-server": { type: "string" },
        "ca-file": { type: "string" },
        "in-cluster": { type: "boolean" },
        port: { type: "string" },
        host: { type: "string" },
        "faultline-namespace": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    throw new DashboardUsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  if (values.help) return { help: true };
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new DashboardUsageError(`--port ${values.port}: not a port (0 to 65535; 0 picks a free one)`);
    port = Number(values.port);
  }
  const inCluster = values["in-cluster"] === true;
  if (inCluster && values["api-server"] !== undefined) throw new DashboardUsageError("--in-cluster and --api-server exclude each other (--in-cluster reads the API server from KUBERNETES_SERVICE_HOST/PORT)");
  let apiServer = values["api-server"];
  if (inCluster) {
    const host = env["KUBERNETES_SERVICE_HOST"];
    const servicePort = env["KUBERNETES_SERVICE_PORT"];
    if (!host || !servicePort) throw new DashboardUsageError("--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (is this a pod?); outside a cluster use --api-server URL");
    apiServer = `https://${isIP(host) === 6 ? `[${host}]` : host}:${servicePort}`;
  }
  const options: DashboardServerOptions = {
    ...(apiServer === undefined ? {} : { mode: "token" as const, apiServer }),
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    ...(values.context === undefined ? {} : { context: values.context }),
    ...(values["ca-file"] !== undefined ? { caFile: values["ca-file"] } : inCluster ? { caFile: defaultInClusterCaFile } : {}),
    ...(values.host !== undefined ? { host: values.host } : inCluster ? { host: "0.0.0.0" } : {}),
    ...(port === undefined ? {} : { port }),
    ...(values["faultline-namespace"] === undefined ? {} : { faultlineNamespace: values["faultline-namespace"] }),
  };
  resolveDashboardOptions(options); // the same checks as a program's options get
  return { help: false, options };
}

/** Checks options (from flags or a program) and fills in the defaults. Throws {@link DashboardUsageError}. */
export function resolveDashboardOptions(options: DashboardServerOptions): ResolvedDashboardOptions {
  const mode = options.mode ?? (options.apiServer !== undefined ? "token" : "kubeconfig");
  if (mode !== "kubeconfig" && mode !== "token") throw new DashboardUsageError(`mode ${JSON.stringify(mode)}: not "kubeconfig" or "token"`);
  const host = options.host ?? defaultHost;
  if (host.trim() === "") throw new DashboardUsageError("--host: empty");
  const port = options.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DashboardUsageError(`--port ${port}: not a port (0 to 65535; 0 picks a free one)`);
  const faultlineNamespace = options.faultlineNamespace ?? "chaos-mesh";
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(faultlineNamespace)) throw new DashboardUsageError(`--faultline-namespace ${JSON.stringify(faultlineNamespace)}: not a namespace name`);
  let auth: ResolvedAuth;
  if (mode === "token") {
    if (options.kubeconfig !== undefined || options.context !== undefined) throw new DashboardUsageError("--kubeconfig and --context are for kubeconfig mode: token mode (--api-server, --in-cluster) uses the browser's bearer token only");
    if (options.apiServer === undefined) throw new DashboardUsageError("token mode needs --api-server URL (or --in-cluster)");
    let url: URL;
    try {
      url = new URL(options.apiServer);
    } catch {
      throw new DashboardUsageError(`--api-server ${options.apiServer}: not a URL (https://host:port)`);
    }
    if (url.protocol !== "https:") throw new DashboardUsageError(`--api-server ${options.apiServer}: must be https:// (a bearer token is never sent in the clear)`);
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") throw new DashboardUsageError(`--api-server ${options.apiServer}: a URL without query, fragment or user`);
    if (options.caFile === "") throw new DashboardUsageError("--ca-file: empty");
    auth = { mode: "token", apiServer: url, ...(options.caFile === undefined ? {} : { caFile: options.caFile }) };
  } else {
    if (options.apiServer !== undefined) throw new DashboardUsageError("--api-server is for token mode (mode kubeconfig takes the API server from the kubeconfig)");
    if (options.caFile !== undefined) throw new DashboardUsageError("--ca-file is for token mode (--api-server or --in-cluster); kubeconfig mode takes the CA from the kubeconfig");
    if (!isLoopback(host)) throw new DashboardUsageError(`--host ${host}: kubeconfig mode serves your own credentials over plain HTTP, so it listens on a loopback address only (127.0.0.1, ::1 or localhost); for a shared dashboard use token mode`);
    auth = { mode: "kubeconfig", ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }), ...(options.context === undefined ? {} : { context: options.context }) };
  }
  return { auth, host, port, faultlineNamespace, ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }) };
}
