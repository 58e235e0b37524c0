// Errors of the Kubernetes API as the dashboard shows them: the API server's Status (forwarded
// unchanged by the dashboard's server) → a KubeError, and a refusal → "You cannot <verb> <resource>
// in namespace <ns>". Pure: no fetch, no DOM.

/** The Status object the API server (and the dashboard's server) answers errors with. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** What a request tried to do: the verb and resource of Kubernetes RBAC, and where. */
export interface KubeAccess {
  verb: string;
  resource: string;
  /** Absent for cluster-scoped resources and requests across every namespace. */
  namespace?: string;
  name?: string;
}

/** A failed request: the HTTP code, the Status's reason and message, and (for refusals) what was refused. */
export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly verb?: string;
  readonly resource?: string;
  readonly namespace?: string;
  /** The whole Status, when the answer was one. */
  readonly status?: KubeStatus;

  constructor(code: number, reason: string, message: string, access?: Partial<KubeAccess>, status?: KubeStatus) {
    super(message);
    this.name = "KubeError";
    this.code = code;
    this.reason = reason;
    if (access?.verb !== undefined) this.verb = access.verb;
    if (access?.resource !== undefined) this.resource = access.resource;
    if (access?.namespace !== undefined) this.namespace = access.namespace;
    if (status !== undefined) this.status = status;
  }

  /** A refusal by RBAC (403). */
  get forbidden(): boolean {
    return this.code === 403;
  }
}

const forbiddenPattern = /cannot ([a-z]+) resource "([^"]+)"(?: in API group "[^"]*")?(?: in the namespace "([^"]+)"| at the cluster scope)?/;

/**
 * The verb, resource and namespace a 403's message names. The API server writes, for example,
 * `podchaos.chaos-mesh.org "web" is forbidden: User "alice" cannot delete resource "podchaos" in
 * API group "chaos-mesh.org" in the namespace "shop"`; undefined when the message is not of that form.
 */
export function parseForbiddenMessage(message: string): KubeAccess | undefined {
  const match = forbiddenPattern.exec(message);
  if (!match) return undefined;
  return { verb: match[1]!, resource: match[2]!, ...(match[3] !== undefined ? { namespace: match[3] } : {}) };
}

/**
 * What a request to `path` with `method` asks of RBAC, read from the URL:
 * `GET apis/g/v/namespaces/x/podchaos` → list podchaos in x; `?watch=1` → watch; `DELETE …/web` → delete.
 */
export function accessOf(method: string, path: string): KubeAccess | undefined {
  const [pathPart, query = ""] = path.replace(/^\/+/, "").split("?", 2) as [string, string?];
  const segments = pathPart.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 2) rest = segments.slice(2);
  else if (segments[0] === "apis" && segments.length >= 3) rest = segments.slice(3);
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0) return undefined;
  // namespaces/<ns> itself (a namespace object), not a resource inside it
  if (rest[0] === "namespaces" && rest.length <= 2) {
    const [resource, name] = rest as [string, string?];
    return { verb: verbOf(method, name !== undefined, query), resource, ...(name !== undefined ? { name } : {}) };
  }
  const [resource, name, subresource] = rest as [string, string?, string?];
  return {
    verb: verbOf(method, name !== undefined, query),
    resource: subresource === undefined ? resource : `${resource}/${subresource}`,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

function verbOf(method: string, named: boolean, query: string): string {
  switch (method.toUpperCase()) {
    case "GET":
      return new URLSearchParams(query).get("watch") === "1" || new URLSearchParams(query).get("watch") === "true" ? "watch" : named ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** The error an answer with `code` and body `body` (parsed JSON or text) gives, for `method path`. */
export function kubeErrorOf(code: number, body: unknown, method: string, path: string): KubeError {
  const status = isStatus(body) ? body : undefined;
  const fromUrl = accessOf(method, path);
  const message = status?.message || (typeof body === "string" && body.trim() !== "" ? body.trim().slice(0, 500) : `${method} ${path}: HTTP ${code}`);
  const fromMessage = code === 403 ? parseForbiddenMessage(message) : undefined;
  const access = fromMessage ? { ...fromMessage, ...(fromMessage.namespace === undefined && fromUrl?.namespace !== undefined && !/at the cluster scope/.test(message) ? { namespace: fromUrl.namespace } : {}) } : fromUrl;
  return new KubeError(code, status?.reason ?? reasonOf(code), message, access, status);
}

function isStatus(body: unknown): body is KubeStatus {
  return typeof body === "object" && body !== null && (body as KubeStatus).kind === "Status";
}

function reasonOf(code: number): string {
  if (code === 401) return "Unauthorized";
  if (code === 403) return "Forbidden";
  if (code === 404) return "NotFound";
  if (code === 409) return "Conflict";
  if (code === 410) return "Expired";
  if (code === 422) return "Invalid";
  return code >= 500 ? "InternalError" : "BadRequest";
}

/**
 * The sentence a refusal is shown with: "You cannot delete podchaos in namespace shop",
 * "You cannot list podchaos in any namespace" (cluster-wide), or the API server's message when
 * the error is not a refusal.
 */
export function permissionText(error: KubeError): string {
  if (!error.forbidden || error.verb === undefined || error.resource === undefined) return error.message;
  const where = error.namespace !== undefined ? ` in namespace ${error.namespace}` : clusterScoped(error) ? " (cluster-wide)" : "";
  return `You cannot ${error.verb} ${error.resource}${where}`;
}

function clusterScoped(error: KubeError): boolean {
  return /at the cluster scope/.test(error.message);
}
