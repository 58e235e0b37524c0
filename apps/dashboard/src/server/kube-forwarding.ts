// `<METHOD> api/kube/<path>?<query>` → `<API server>/<path>?<query>`: the request's body streamed
// up, the answer's status, Content-Type and body streamed back unchanged (a watch's events as they
// come; the API server's Status on an error as it is).
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { ForwardError, type ApiServerTarget } from "./api-server-target.js";
import { sendStatus } from "./kube-status.js";

/** The methods the dashboard forwards. */
export const forwardedMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Response headers of the API server passed back, besides the status. */
const returnedHeaders = ["content-type"] as const;

/**
 * The media types the UI reads from the API server: JSON (and `+json`), YAML, protobuf, plain text.
 * Anything else (HTML, script, an image…) is not the API's own answer; it is passed back as a
 * download, never rendered from the dashboard's origin.
 */
const readableType = /^\s*(application\/(json|[\w.+-]*\+json|yaml|x-yaml|vnd\.kubernetes\.protobuf|json-patch\+json|merge-patch\+json|apply-patch\+yaml|strategic-merge-patch\+json)|text\/plain)\s*(;|$)/i;

/** The headers of a forwarded answer: its Content-Type, no caching, and for an unexpected type a download that is never sniffed. */
export function forwardedAnswerHeaders(upstream: IncomingHttpHeaders): { [name: string]: string | string[] } {
  const headers: { [name: string]: string | string[] } = { "cache-control": "no-store" };
  for (const name of returnedHeaders) if (upstream[name] !== undefined) headers[name] = upstream[name]!;
  const type = upstream["content-type"];
  if (type === undefined || !readableType.test(type)) {
    headers["content-disposition"] = "attachment";
    headers["x-content-type-options"] = "nosniff";
  }
  return headers;
}

/** Whether a forwarded path (with its query) is a watch, which lasts until one side ends it. */
export function isWatch(pathWithQuery: string): boolean {
  const queryAt = pathWithQuery.indexOf("?");
  if (queryAt === -1) return false;
  const watch = new URLSearchParams(pathWithQuery.slice(queryAt + 1)).get("watch");
  return watch !== null && watch !== "false" && watch !== "0";
}

/** The watches being forwarded, so that shutdown can end them (other requests finish on their own). */
export class InFlight {
  private readonly watches = new Set<ClientRequest>();
  add(request: ClientRequest, watch: boolean): void {
    if (!watch) return;
    this.watches.add(request);
    request.once("close", () => this.watches.delete(request));
  }
  /** How many watches are open to the API server. */
  get openWatches(): number {
    return this.watches.size;
  }
  endWatches(): void {
    for (const request of this.watches) request.destroy();
  }
}

/** Forwards `req` to the API server path `path` (with its query) and streams the answer into `res`. */
export async function forwardToApiServer(req: IncomingMessage, res: ServerResponse, target: ApiServerTarget, path: string, inFlight: InFlight): Promise<void> {
  const method = req.method ?? "GET";
  if (!(forwardedMethods as readonly string[]).includes(method)) {
    sendStatus(res, 405, "MethodNotAllowed", `the dashboard forwards ${forwardedMethods.join(", ")} to the API server, not ${method}`);
    req.resume();
    return;
  }
  let options;
  try {
    options = await target.requestOptions(method, path, req.headers);
  } catch (err) {
    req.resume();
    if (err instanceof ForwardError) sendStatus(res, err.code, err.reason, err.message);
    else sendStatus(res, 500, "InternalError", (err as Error).message);
    return;
  }
  const send = target.server.protocol === "http:" ? httpRequest : httpsRequest;
  const upstream = send(options, (answer) => {
    res.writeHead(answer.statusCode ?? 502, forwardedAnswerHeaders(answer.headers));
    // a watch: each event reaches the browser as the API server sends it
    res.flushHeaders();
    answer.pipe(res);
    answer.on("error", () => res.destroy());
    answer.on("aborted", () => res.destroy());
  });
  inFlight.add(upstream, isWatch(path));
  upstream.on("error", (err) => {
    if (res.headersSent) res.destroy();
    else sendStatus(res, 503, "ServiceUnavailable", `cannot reach the API server ${target.server.origin}: ${err.message}`);
  });
  // the browser went away (a watch closed, a page left): end the request to the API server
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
