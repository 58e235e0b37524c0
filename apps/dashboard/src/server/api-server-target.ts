// The API server the dashboard forwards to, and the credentials it adds: in kubeconfig mode the
// user's kubeconfig's (client certificates, tokens, exec plugins, through @kubernetes/client-node),
// in token mode none (the browser's bearer token is forwarded, nothing else).
import { readFileSync, existsSync } from "node:fs";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import type { ResolvedAuth } from "./dashboard-options.js";
import { bearerTokenOf } from "./request-guards.js";

/** A problem the server reports as a `Status`: `code` and `reason` for it. */
export class ForwardError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: "Unauthorized" | "InternalError" | "ServiceUnavailable",
  ) {
    super(message);
    this.name = "ForwardError";
  }
}

/** A problem with the kubeconfig or CA file at start. */
export class DashboardStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardStartError";
  }
}

/** The browser's headers passed on: what the body is and what the UI accepts. Nothing else (no cookies, no session secret). */
const forwardedHeaders = ["accept", "content-type", "content-length"] as const;

export interface ApiServerTarget {
  readonly mode: "kubeconfig" | "token";
  /** The API server's URL (its path, if any, prefixes every forwarded path). */
  readonly server: URL;
  readonly context?: string;
  readonly user?: string;
  /** Options for one request to `<server>/<path>` (`path` with its query); throws {@link ForwardError}. */
  requestOptions(method: string, path: string, browser: IncomingHttpHeaders): Promise<RequestOptions>;
  close(): void;
}

function baseOptions(server: URL, method: string, path: string, browser: IncomingHttpHeaders, userAgent: string): RequestOptions & { headers: OutgoingHttpHeaders } {
  const headers: OutgoingHttpHeaders = { "user-agent": userAgent };
  for (const name of forwardedHeaders) if (browser[name] !== undefined) headers[name] = browser[name];
  return {
    method,
    protocol: server.protocol,
    hostname: server.hostname.replace(/^\[|\]$/g, ""),
    port: server.port || (server.protocol === "https:" ? 443 : 80),
    path: `${server.pathname.replace(/\/+$/, "")}/${path}`,
    headers,
  };
}

/** The kubeconfig files kubectl would read: --kubeconfig, else $KUBECONFIG's list, else ~/.kube/config. Never in-cluster credentials. */
export function loadKubeConfig(options: { kubeconfig?: string; context?: string }, env: { [name: string]: string | undefined } = process.env): KubeConfig {
  const files = options.kubeconfig !== undefined ? [options.kubeconfig] : (env["KUBECONFIG"] ?? "").split(delimiter).filter(Boolean);
  if (files.length === 0) files.push(join(env["HOME"] ?? homedir(), ".kube", "config"));
  const source = options.kubeconfig !== undefined ? `--kubeconfig ${options.kubeconfig}` : env["KUBECONFIG"] ? `$KUBECONFIG (${env["KUBECONFIG"]})` : files[0]!;
  const config = new KubeConfig();
  try {
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) throw new Error(`no such file${files.length > 1 ? "s" : ""}`);
    config.loadFromFile(present[0]!);
    for (const file of present.slice(1)) {
      const next = new KubeConfig();
      next.loadFromFile(file);
      config.mergeConfig(next);
    }
  } catch (err) {
    throw new DashboardStartError(`cannot load the kubeconfig ${source}: ${(err as Error).message} (pass --kubeconfig; in a pod use --in-cluster, token mode)`);
  }
  if (options.context !== undefined) {
    if (!config.getContexts().some((c) => c.name === options.context)) {
      throw new DashboardStartError(`--context ${options.context}: no such context in the kubeconfig ${source} (it has: ${config.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) throw new DashboardStartError(`the kubeconfig ${source} has no current context with a cluster (pass --context)`);
  return config;
}

function kubeconfigTarget(auth: Extract<ResolvedAuth, { mode: "kubeconfig" }>, env: { [name: string]: string | undefined }, userAgent: string): ApiServerTarget {
  const config = loadKubeConfig(auth, env);
  const cluster = config.getCurrentCluster()!;
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new DashboardStartError(`the kubeconfig's cluster ${cluster.name} has no valid server URL: ${JSON.stringify(cluster.server)}`);
  }
  const context = config.getCurrentContext();
  const user = config.getCurrentUser()?.name;
  return {
    mode: "kubeconfig",
    server,
    context,
    ...(user === undefined ? {} : { user }),
    async requestOptions(method, path, browser) {
      const options = baseOptions(server, method, path, browser, userAgent);
      try {
        // client certificates, CA, tokens, exec plugins and auth providers of the context's user
        await config.applyToHTTPSOptions(options);
      } catch (err) {
        throw new ForwardError(`cannot get credentials from the kubeconfig (context ${context}): ${(err as Error).message}`, 500, "InternalError");
      }
      return options;
    },
    close() {},
  };
}

function tokenTarget(auth: Extract<ResolvedAuth, { mode: "token" }>, userAgent: string): ApiServerTarget {
  let ca: Buffer | undefined;
  if (auth.caFile !== undefined) {
    try {
      ca = readFileSync(auth.caFile);
    } catch (err) {
      throw new DashboardStartError(`--ca-file ${auth.caFile}: cannot read it: ${(err as Error).message}`);
    }
    if (!ca.toString("utf8").includes("-----BEGIN CERTIFICATE-----")) throw new DashboardStartError(`--ca-file ${auth.caFile}: not a PEM certificate (no "-----BEGIN CERTIFICATE-----")`);
  }
  const agent = new HttpsAgent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  return {
    mode: "token",
    server: auth.apiServer,
    async requestOptions(method, path, browser) {
      const raw = browser["authorization"];
      if (bearerTokenOf(raw) === undefined) throw new ForwardError("sign in with a bearer token: every request needs an Authorization: Bearer <token> header, the dashboard adds no credential of its own", 401, "Unauthorized");
      const options = baseOptions(auth.apiServer, method, path, browser, userAgent);
      // the browser's header unchanged, and nothing else
      options.headers["authorization"] = raw;
      options.agent = agent;
      return options;
    },
    close() {
      agent.destroy();
    },
  };
}

/** The target for the resolved auth; throws {@link DashboardStartError} for a bad kubeconfig or CA file. */
export function apiServerTarget(auth: ResolvedAuth, options: { env?: { [name: string]: string | undefined }; userAgent: string }): ApiServerTarget {
  return auth.mode === "kubeconfig" ? kubeconfigTarget(auth, options.env ?? process.env, options.userAgent) : tokenTarget(auth, options.userAgent);
}
