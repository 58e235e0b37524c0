// The dashboard's only way to the cluster: `api/kube/<path>` on the dashboard's server, which
// forwards to the API server with the user's own credentials. Relative URLs (the dashboard may be
// served under any subpath). Every request carries the session secret (kubeconfig mode) or the
// user's bearer token (token mode) from sessionStorage; a 401 tells the listeners (sign in again).
import { KubeError, kubeErrorOf } from "./kube-error.js";
import { NdjsonSplitter, isExpired, type KubeList, type KubeObject, type WatchEvent } from "./watch-events.js";

export { KubeError } from "./kube-error.js";

/** sessionStorage keys (the design's names). */
export const sessionKey = "faultline.session";
export const tokenKey = "faultline.token";

/** `GET api/config`: how the server reaches the cluster. */
export interface DashboardConfig {
  mode: "kubeconfig" | "token";
  cluster: string;
  context?: string;
  user?: string;
  faultlineNamespace: string;
  version: string;
}

const unauthorizedListeners = new Set<(error: KubeError) => void>();

/** Calls `listener` on every 401 (the session or the token is missing, wrong or expired); returns the unsubscribe. */
export function onUnauthorized(listener: (error: KubeError) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/** The headers that say who the user is: the session secret and/or the bearer token. */
function authHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const session = storage()?.getItem(sessionKey);
  const token = storage()?.getItem(tokenKey);
  if (session) headers["X-Faultline-Session"] = session;
  if (token) headers["Authorization"] = `Bearer ${token}`;
  return headers;
}

/** `api/kube/<path>` for a Kubernetes path (with or without its leading slash). */
export const kubeUrl = (path: string) => `api/kube/${path.replace(/^\/+/, "")}`;

/** The dashboard's configuration (no authentication needed). */
export async function fetchConfig(signal?: AbortSignal): Promise<DashboardConfig> {
  const response = await fetch("api/config", { signal: signal ?? null, headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`api/config answered HTTP ${response.status}`);
  return (await response.json()) as DashboardConfig;
}

export interface RequestOptions {
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  /** Default `application/json`; patches: `application/merge-patch+json`. */
  contentType?: string;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] = options.contentType ?? "application/json";
  }
  try {
    return await fetch(kubeUrl(path), { method, headers, ...(body !== undefined ? { body } : {}), signal: options.signal ?? null, cache: "no-store" });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new KubeError(0, "NetworkError", `${method} ${path}: the dashboard's server did not answer (${(err as Error).message})`);
  }
}

async function failure(response: Response, method: string, path: string): Promise<KubeError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  const error = kubeErrorOf(response.status, body, method, path);
  if (response.status === 401) for (const listener of unauthorizedListeners) listener(error);
  return error;
}

/**
 * One request to the API server through the dashboard's server; the answer's JSON, or a KubeError
 * (a 403's names what was refused).
 *
 * @example
 * await kubeRequest("PATCH", `apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos/web`, {
 *   body: { metadata: { annotations: { [pauseAnnotation]: "true" } } }, contentType: "application/merge-patch+json" });
 */
export async function kubeRequest<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  if (!response.ok) throw await failure(response, method, path);
  const text = await response.text();
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** What `watchList` reports: the whole list (after every list), each watch event, or a failure. */
export type ListWatchEvent<T> = { type: "SYNCED"; items: T[]; resourceVersion?: string } | WatchEvent<T> | { type: "FAILED"; error: KubeError; retrying: boolean };

const withQuery = (path: string, query: string) => `${path}${path.includes("?") ? "&" : "?"}${query}`;

/** Errors that listing again will not cure (no right, no such resource): the watch stops and says so. */
const permanent = (error: KubeError) => error.code === 401 || error.code === 403 || error.code === 404;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Open watch streams are few: a browser opens at most 6 connections to one host over HTTP/1.1, and
 * each watch holds one. A list with objects may take any free stream; an empty list only while
 * more than `reservedStreams` are free. Without a stream, a list is kept current by listing again.
 */
export const maxStreams = 4;
const reservedStreams = 2;
let openStreams = 0;

/** Takes a stream if the budget allows (see {@link maxStreams}); the caller gives it back with releaseStream. */
export function takeStream(hasItems: boolean): boolean {
  const free = maxStreams - openStreams;
  if (free <= 0 || (!hasItems && free <= reservedStreams)) return false;
  openStreams++;
  return true;
}

export function releaseStream(): void {
  openStreams = Math.max(0, openStreams - 1);
}

/** How often a list without a watch stream is listed again, in ms. */
export const pollIntervalMs = { withItems: 3000, empty: 5000 };

/**
 * Lists `path` (a collection, optionally with a label or field selector), then watches it from the
 * list's resourceVersion with `?watch=1` (newline-delimited JSON read as it streams), reporting
 * each to `onEvent`. Lists again when the watch says its resourceVersion expired (410) and when
 * the stream ends; retries other failures with a growing pause; stops on 401/403/404 (reported as
 * FAILED with retrying false) and when `signal` aborts. Resolves when it stops. When no watch
 * stream is free (see {@link takeStream}) it lists again every few seconds instead.
 */
export async function watchList<T extends KubeObject>(path: string, onEvent: (event: ListWatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
  let pause = 1000;
  while (!signal.aborted) {
    try {
      const list = await kubeRequest<KubeList<T>>("GET", path, { signal });
      if (signal.aborted) return;
      const resourceVersion = list.metadata.resourceVersion;
      onEvent({ type: "SYNCED", items: list.items ?? [], ...(resourceVersion !== undefined ? { resourceVersion } : {}) });
      pause = 1000;
      const items = list.items ?? [];
      if (!takeStream(items.length > 0)) {
        await sleep(items.length > 0 ? pollIntervalMs.withItems : pollIntervalMs.empty, signal);
        continue;
      }
      const started = Date.now();
      try {
        await watchFrom(path, resourceVersion, onEvent, signal);
      } finally {
        releaseStream();
      }
      // stream ended or expired: list again (at once, unless it ended at once: then after a pause)
      if (Date.now() - started < 1000) await sleep(1000, signal);
    } catch (err) {
      if (signal.aborted) return;
      const error = err instanceof KubeError ? err : new KubeError(0, "WatchFailed", `watch of ${path}: ${(err as Error).message}`);
      const retrying = !permanent(error);
      onEvent({ type: "FAILED", error, retrying });
      if (!retrying) return;
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 30_000);
    }
  }
}

/** One watch from `resourceVersion` until the stream ends, expires (410) or fails (thrown). */
async function watchFrom<T extends KubeObject>(path: string, resourceVersion: string | undefined, onEvent: (event: ListWatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
  // a few minutes per watch (the API server ends it then): each ends in a fresh list
  const timeoutSeconds = 240 + Math.floor(Math.random() * 60);
  const watchPath = withQuery(path, `watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}${resourceVersion ? `&resourceVersion=${encodeURIComponent(resourceVersion)}` : ""}`);
  const response = await send("GET", watchPath, { signal });
  if (!response.ok) throw await failure(response, "GET", watchPath);
  if (!response.body) throw new KubeError(0, "NoStream", `GET ${watchPath}: the answer has no body to stream`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const splitter = new NdjsonSplitter();
  let expired = false;
  const handle = (values: unknown[]) => {
    for (const value of values) {
      const event = value as WatchEvent<T>;
      if (isExpired(event)) {
        expired = true;
        return;
      }
      if (event.type === "ERROR") throw kubeErrorOf(event.object.code ?? 500, event.object, "GET", watchPath);
      onEvent(event);
    }
  };
  try {
    while (!expired) {
      const { done, value } = await reader.read();
      if (done) {
        handle(splitter.flush());
        break;
      }
      handle(splitter.push(value));
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
