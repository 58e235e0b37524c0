// `POST api/watches`: many watches of the API server on one HTTP stream to the browser. A browser
// opens at most 6 connections to one host over HTTP/1.1, and each plain `api/kube/…?watch=1` holds
// one; the UI watches some twenty lists at once, so it asks for all of them here instead. Each
// watch goes through the same path allowlist and guards as `api/kube/*` and is opened with the same
// credentials (the kubeconfig's, or the browser's own bearer token); the answer is newline-delimited
// JSON: `{"id","event"}` for each event of a watch, and `{"id","end":true,"code"?,"status"?}` once
// when that watch ends (`code` and the API server's `status` when it was refused or failed). Closing
// the browser's stream ends every watch of it.
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { ForwardError, type ApiServerTarget } from "./api-server-target.js";
import { isWatch, type InFlight } from "./kube-forwarding.js";
import { kubePathOf, kubeRoute } from "./kube-path.js";
import { kubeStatus, sendStatus, type KubeStatus } from "./kube-status.js";

/** The dashboard's route for multiplexed watches. */
export const watchesRoute = "/api/watches";

/** At most this many watches on one stream. */
export const maxWatchesPerStream = 100;

/** The largest request body (the list of watches), in bytes. */
export const maxWatchesBodyBytes = 64 * 1024;

/** The largest error body of a refused watch that is read (a Status is far smaller). */
const maxErrorBodyBytes = 64 * 1024;

export interface WatchRequest {
  /** The browser's name for the watch (echoed on each of its lines). */
  id: string;
  /** The API server path with its query, a watch (`?watch=1`), as `api/kube/<path>` takes it. */
  path: string;
}

export type ParsedWatches = { ok: true; watches: WatchRequest[] } | { ok: false; code: 400 | 404; message: string };

/**
 * Reads and checks the body `{"watches":[{"id","path"}]}`: 1 to {@link maxWatchesPerStream}
 * watches with distinct non-empty ids, each path allowed by {@link kubePathOf} and a watch.
 * The message of a refusal names the field.
 */
export function parseWatches(text: string): ParsedWatches {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, code: 400, message: 'the body is not JSON: send {"watches":[{"id":"…","path":"apis/…?watch=1"}]}' };
  }
  const list = (body as { watches?: unknown } | null)?.watches;
  if (typeof body !== "object" || body === null || !Array.isArray(list)) return { ok: false, code: 400, message: 'watches: missing; send {"watches":[{"id":"…","path":"apis/…?watch=1"}]}' };
  if (list.length === 0) return { ok: false, code: 400, message: "watches: empty (at least one watch)" };
  if (list.length > maxWatchesPerStream) return { ok: false, code: 400, message: `watches: ${list.length} watches, at most ${maxWatchesPerStream} on one stream` };
  const ids = new Set<string>();
  const watches: WatchRequest[] = [];
  for (const [i, item] of list.entries()) {
    const { id, path } = (item ?? {}) as { id?: unknown; path?: unknown };
    if (typeof id !== "string" || id === "" || id.length > 200) return { ok: false, code: 400, message: `watches[${i}].id: a non-empty string of at most 200 characters` };
    if (ids.has(id)) return { ok: false, code: 400, message: `watches[${i}].id: ${JSON.stringify(id)} is used twice` };
    ids.add(id);
    if (typeof path !== "string" || path === "") return { ok: false, code: 400, message: `watches[${i}].path: a non-empty string (an API server path with ?watch=1)` };
    const relative = path.replace(/^\/+/, "");
    const queryAt = relative.indexOf("?");
    const checked = kubePathOf(kubeRoute + (queryAt === -1 ? relative : relative.slice(0, queryAt)));
    if (!checked.ok) return { ok: false, code: checked.code, message: `watches[${i}].path: ${checked.message}` };
    if (!isWatch(relative)) return { ok: false, code: 400, message: `watches[${i}].path: ${path} is not a watch (add watch=1 to its query)` };
    watches.push({ id, path: relative });
  }
  return { ok: true, watches };
}

/** Splits text into its lines, whatever the chunk boundaries (feed it decoded text). */
export class LineSplitter {
  private pending = "";
  push(chunk: string): string[] {
    this.pending += chunk;
    const lines = this.pending.split("\n");
    this.pending = lines.pop()!;
    return lines.filter((line) => line.trim() !== "");
  }
  flush(): string[] {
    const rest = this.pending;
    this.pending = "";
    return rest.trim() === "" ? [] : [rest];
  }
}

/** The stream's line for one event of a watch (a line of the API server's watch), or undefined for a line that is not JSON. */
export function eventLine(id: string, upstreamLine: string): string | undefined {
  let event: unknown;
  try {
    event = JSON.parse(upstreamLine);
  } catch {
    return undefined;
  }
  return `${JSON.stringify({ id, event })}\n`;
}

/**
 * The stream's line for the end of a watch: plain when it ended as watches do (the API server's
 * timeout), with `code` and the API server's `status` when it answered an error (its Status as it
 * is; any other body in a Status of ours).
 */
export function endLine(id: string, failure?: { code: number; body?: string; reason?: "ServiceUnavailable" | "InternalError" }): string {
  if (failure === undefined) return `${JSON.stringify({ id, end: true })}\n`;
  let status: unknown;
  try {
    status = JSON.parse(failure.body ?? "");
  } catch {
    status = undefined;
  }
  if ((status as { kind?: unknown } | undefined)?.kind !== "Status") {
    const text = (failure.body ?? "").trim();
    status = kubeStatus(failure.code, failure.reason ?? "InternalError", text === "" ? `the watch ended with HTTP ${failure.code}` : text.slice(0, 1000)) satisfies KubeStatus;
  }
  return `${JSON.stringify({ id, end: true, code: failure.code, status })}\n`;
}

/** Reads a request body of at most `limit` bytes; undefined when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Serves `POST api/watches` (the caller has checked the Host and the session). */
export async function serveWatches(req: IncomingMessage, res: ServerResponse, target: ApiServerTarget, inFlight: InFlight): Promise<void> {
  if (req.method !== "POST") {
    req.resume();
    return sendStatus(res, 405, "MethodNotAllowed", `api/watches: only POST, not ${req.method}`);
  }
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
    req.resume();
    return sendStatus(res, 400, "BadRequest", 'api/watches: the body must be application/json ({"watches":[{"id","path"}]})');
  }
  const text = await readBody(req, maxWatchesBodyBytes);
  if (text === undefined) return sendStatus(res, 400, "BadRequest", `api/watches: the body is larger than ${maxWatchesBodyBytes} bytes`);
  const parsed = parseWatches(text);
  if (!parsed.ok) return sendStatus(res, parsed.code, parsed.code === 404 ? "NotFound" : "BadRequest", parsed.message);

  // what the browser sends that says who it is (token mode), and nothing of the POST itself
  const browser: IncomingHttpHeaders = { accept: "application/json", ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }) };
  const opened: { watch: WatchRequest; options: Awaited<ReturnType<ApiServerTarget["requestOptions"]>> }[] = [];
  try {
    for (const watch of parsed.watches) opened.push({ watch, options: await target.requestOptions("GET", watch.path, browser) });
  } catch (err) {
    if (err instanceof ForwardError) return sendStatus(res, err.code, err.reason, err.message);
    return sendStatus(res, 500, "InternalError", (err as Error).message);
  }

  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  res.flushHeaders();
  const send = target.server.protocol === "http:" ? httpRequest : httpsRequest;
  const upstreams = new Set<ClientRequest>();
  let open = opened.length;
  let closed = false;
  const write = (line: string) => {
    if (!closed) res.write(line);
  };
  for (const { watch, options } of opened) {
    let ended = false;
    const end = (failure?: Parameters<typeof endLine>[1]) => {
      if (ended) return;
      ended = true;
      write(endLine(watch.id, failure));
      if (--open === 0 && !closed) res.end();
    };
    const upstream = send(options, (answer) => {
      answer.setEncoding("utf8");
      if (answer.statusCode === 200) {
        const lines = new LineSplitter();
        answer.on("data", (chunk: string) => {
          for (const line of lines.push(chunk)) {
            const out = eventLine(watch.id, line);
            if (out !== undefined) write(out);
          }
        });
        answer.on("end", () => {
          for (const line of lines.flush()) {
            const out = eventLine(watch.id, line);
            if (out !== undefined) write(out);
          }
          end();
        });
      } else {
        let body = "";
        answer.on("data", (chunk: string) => {
          if (body.length < maxErrorBodyBytes) body += chunk;
        });
        answer.on("end", () => end({ code: answer.statusCode ?? 502, body }));
      }
      answer.on("error", () => end());
      answer.on("close", () => end());
    });
    upstreams.add(upstream);
    inFlight.add(upstream, true);
    upstream.on("error", (err) => end({ code: 503, reason: "ServiceUnavailable", body: `cannot reach the API server ${target.server.origin}: ${err.message}` }));
    upstream.on("close", () => {
      upstreams.delete(upstream);
      end();
    });
    upstream.end();
  }
  // the browser closed its stream (the set of watches changed, the tab went away): end every watch of it
  res.on("close", () => {
    closed = true;
    for (const upstream of upstreams) upstream.destroy();
  });
}
