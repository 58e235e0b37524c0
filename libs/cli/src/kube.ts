// The API server, reached with the user's kubeconfig (--kubeconfig, else $KUBECONFIG, else
// ~/.kube/config; --context) and only the user's own credentials. Every request names what it does
// (verb, resource, namespace), so a 403 says exactly which permission the user lacks.
import { request as httpsRequest, type RequestOptions } from "node:https";
import { request as httpRequest } from "node:http";
import { delimiter } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { CliError } from "./cli-io.js";

/** What a request does, in RBAC's words: for the message of a refusal. */
export interface Access {
  verb: string;
  /** The resource's plural; with a subresource, `killswitches/status`. */
  resource: string;
  /** The API group ("" for the core group). */
  group: string;
  namespace?: string;
  name?: string;
}

/** An answer of the API server other than 2xx. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** `verb resource.group [name] in namespace ns`, as people read RBAC. */
export function describeAccess(access: Access): string {
  const resource = access.group === "" ? access.resource : `${access.resource}.${access.group}`;
  const name = access.name === undefined ? "" : ` "${access.name}"`;
  const where = access.namespace === undefined ? " (cluster-wide)" : ` in namespace ${access.namespace}`;
  return `${access.verb} ${resource}${name}${where}`;
}

/** The error for a non-2xx answer: a 403 names the permission, a 404 the object. */
export function apiErrorFor(status: number, body: unknown, access: Access): ApiError {
  const apiMessage = typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : typeof body === "string" ? body.trim().slice(0, 300) : "";
  const reason = typeof body === "object" && body !== null ? (body as { reason?: string }).reason : undefined;
  if (status === 403) {
    return new ApiError(`forbidden: your RBAC does not allow: ${describeAccess(access)}${apiMessage ? ` (the API server: ${apiMessage})` : ""}`, status, reason);
  }
  if (status === 401) return new ApiError(`unauthorized: the API server refused the credentials of your kubeconfig${apiMessage ? ` (${apiMessage})` : ""}`, status, reason);
  if (status === 404) return new ApiError(`not found: ${describeAccess(access).replace(/^\S+ /, "")}${apiMessage ? ` (${apiMessage})` : ""}`, status, reason);
  return new ApiError(`${describeAccess(access)} failed with HTTP ${status}${apiMessage ? `: ${apiMessage}` : ""}`, status, reason);
}

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
}

/** The API server of the user's kubeconfig. */
export class Kube {
  private constructor(
    readonly config: KubeConfig,
    /** The context's namespace, else "default". */
    readonly defaultNamespace: string,
    readonly server: string,
  ) {}

  static load(options: KubeOptions, env: { [name: string]: string | undefined } = process.env): Kube {
    const config = new KubeConfig();
    const source = options.kubeconfig ?? env["KUBECONFIG"] ?? "~/.kube/config";
    try {
      // $KUBECONFIG read from `env` (the CLI's own environment, which specs give), merged as kubectl
      // and loadFromDefault merge it; loadFromDefault itself would read process.env
      const fromEnv = (env["KUBECONFIG"] ?? "").split(delimiter).filter(Boolean);
      if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
      else if (fromEnv.length > 0) {
        config.loadFromFile(fromEnv[0]!);
        for (const file of fromEnv.slice(1)) {
          const next = new KubeConfig();
          next.loadFromFile(file);
          config.mergeConfig(next);
        }
      } else config.loadFromDefault();
    } catch (err) {
      throw new CliError(`cannot load kubeconfig ${source}: ${(err as Error).message}`);
    }
    if (options.context !== undefined) {
      if (!config.getContexts().some((c) => c.name === options.context)) {
        throw new CliError(`--context ${options.context}: no such context in kubeconfig ${source} (it has: ${config.getContexts().map((c) => c.name).join(", ") || "none"})`);
      }
      config.setCurrentContext(options.context);
    }
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new CliError(`no cluster configured: kubeconfig ${source} has no current context (pass --kubeconfig or --context)`);
    const namespace = config.getContextObject(config.getCurrentContext())?.namespace ?? "default";
    return new Kube(config, namespace, cluster.server);
  }

  /** One request; the parsed JSON answer, or an {@link ApiError} naming `access`. */
  async request<T = unknown>(method: string, path: string, access: Access, options: { body?: unknown; contentType?: string } = {}): Promise<T> {
    const { status, body } = await this.raw(method, path, options);
    if (status < 200 || status > 299) throw apiErrorFor(status, body, access);
    return body as T;
  }

  /** Like {@link request}, but a 404 is undefined. */
  async getIfExists<T = unknown>(path: string, access: Access): Promise<T | undefined> {
    const { status, body } = await this.raw("GET", path, {});
    if (status === 404) return undefined;
    if (status < 200 || status > 299) throw apiErrorFor(status, body, access);
    return body as T;
  }

  async raw(method: string, path: string, options: { body?: unknown; contentType?: string }): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, this.server);
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const requestOptions: RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        accept: "application/json",
        "user-agent": "faultline-cli",
        ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json" }),
      },
      timeout: 30_000,
    };
    try {
      await this.config.applyToHTTPSOptions(requestOptions);
    } catch (err) {
      throw new CliError(`cannot get credentials from kubeconfig: ${(err as Error).message}`);
    }
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(requestOptions, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
      req.on("error", (err) => reject(new CliError(`cannot reach the API server ${this.server}: ${err.message}`)));
      req.end(body);
    });
  }
}
