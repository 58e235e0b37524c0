// The dashboard's only way to the cluster: `api/kube/<path>` on the dashboard's server, which
// forwards to the API server with the user's own credentials. Relative URLs (the dashboard may be
// served under any subpath). Every request carries the session secret (kubeconfig mode) or the
// user's bearer token (token mode) from sessionStorage; a 401 tells the listeners (sign in again).
import { KubeError, kubeErrorOf } from "./kube-error.js";
import { NdjsonSplitter, isExpired, resourceVersionOf, type KubeList, type KubeObject, type WatchEvent } from "./watch-events.js";
import type { DashboardConfig } from "../../server/dashboard-config.js";

export { KubeError } from "./kube-error.js";

/** sessionStorage keys (the design's names). */
export const sessionKey = "faultline.session";
export const tokenKey = "faultline.token";

/** `GET api/config`: how the server reaches the cluster (the server's own type: one contract). */
export type { DashboardConfig };

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

/** How a watch of the multiplexer ended: as watches do (no error), or refused/failed (the API server's Status as a KubeError). */
export interface WatchEnd {
  error?: KubeError;
}

interface MuxEntry {
  path: string;
  resourceVersion: string | undefined;
  onEvent: (event: WatchEvent<KubeObject>) => void;
  done: (end: WatchEnd) => void;
}

/** The line of `POST api/watches` for one watch: an event, or its end. */
type MuxLine = { id: string; event: WatchEvent<KubeObject> } | { id: string; end: true; code?: number; status?: unknown };

/** A path with `watch=1` from `resourceVersion` (bookmarks on; the API server's own timeout ends it). */
export const watchPathOf = (path: string, resourceVersion: string | undefined) =>
  withQuery(path, `watch=1&allowWatchBookmarks=true${resourceVersion ? `&resourceVersion=${encodeURIComponent(resourceVersion)}` : ""}`);

/**
 * All of a tab's watches on ONE stream: `POST api/watches` with the active watches, read as
 * newline-delimited `{id, event}` / `{id, end}` lines. A browser opens at most 6 connections to one
 * host over HTTP/1.1 and each plain watch holds one; this holds one for all of them. When the set
 * of watches changes (one added, one aborted) the stream is opened again with the new set, at
 * most once per `debounceMs`; the watches that stay resume from the last resourceVersion they saw,
 * so no event is lost. A watch ends (its promise resolves) when the server says it ended — with
 * its error when the API server refused it (403, 410…) — or when the stream ends or fails.
 */
export class WatchMultiplexer {
  private readonly entries = new Map<string, MuxEntry>();
  private nextId = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stream: AbortController | undefined;
  /** How many times the stream was opened. */
  opened = 0;

  constructor(private readonly debounceMs = 100) {}

  /** The number of active watches. */
  get size(): number {
    return this.entries.size;
  }

  /** Watches `path` from `resourceVersion` until it ends (resolves with how) or `signal` aborts (resolves undefined). */
  watch<T extends KubeObject>(path: string, resourceVersion: string | undefined, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<WatchEnd | undefined> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(undefined);
      const id = `w${++this.nextId}`;
      const onAbort = () => {
        if (this.entries.delete(id)) this.schedule();
        resolve(undefined);
      };
      this.entries.set(id, {
        path,
        resourceVersion,
        onEvent: onEvent as (event: WatchEvent<KubeObject>) => void,
        done: (end) => {
          signal.removeEventListener("abort", onAbort);
          resolve(end);
        },
      });
      signal.addEventListener("abort", onAbort, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, this.debounceMs);
  }

  private end(id: string, end: WatchEnd): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    entry.done(end);
  }

  private open(): void {
    this.stream?.abort();
    this.stream = undefined;
    if (this.entries.size === 0) return;
    const controller = new AbortController();
    this.stream = controller;
    this.opened++;
    const watches = [...this.entries].map(([id, entry]) => ({ id, path: watchPathOf(entry.path, entry.resourceVersion) }));
    void this.read(controller, watches);
  }

  private async read(controller: AbortController, watches: { id: string; path: string }[]): Promise<void> {
    const current = () => this.stream === controller;
    const endAll = (end: WatchEnd) => {
      if (this.stream === controller) this.stream = undefined;
      for (const { id } of watches) this.end(id, end);
    };
    let response: Response;
    try {
      response = await fetch("api/watches", {
        method: "POST",
        headers: { Accept: "application/x-ndjson", "Content-Type": "application/json", ...authHeaders() },
        body: JSON.stringify({ watches }),
        signal: controller.signal,
        cache: "no-store",
      });
    } catch (err) {
      if (current()) endAll({ error: new KubeError(0, "NetworkError", `POST api/watches: the dashboard's server did not answer (${(err as Error).message})`) });
      return;
    }
    if (!response.ok) {
      const error = await failure(response, "POST", "api/watches");
      if (current()) endAll({ error });
      return;
    }
    if (!response.body) {
      if (current()) endAll({ error: new KubeError(0, "NoStream", "POST api/watches: the answer has no body to stream") });
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const splitter = new NdjsonSplitter();
    const handle = (values: unknown[]) => {
      for (const value of values) if (current()) this.deliver(value as MuxLine);
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          handle(splitter.flush());
          break;
        }
        handle(splitter.push(value));
      }
    } catch (err) {
      if (current()) endAll({ error: new KubeError(0, "WatchFailed", `POST api/watches: the stream failed (${(err as Error).message})`) });
      return;
    } finally {
      reader.cancel().catch(() => undefined);
    }
    // the server ended the stream (it stopped): the watches still on it end as watches do
    if (current()) endAll({});
  }

  private deliver(line: MuxLine): void {
    const entry = this.entries.get(line.id);
    if (entry === undefined) return;
    if ("end" in line) {
      const error = line.code === undefined ? undefined : kubeErrorOf(line.code, line.status, "GET", entry.path);
      if (error?.code === 401) for (const listener of unauthorizedListeners) listener(error);
      this.end(line.id, error === undefined ? {} : { error });
      return;
    }
    const event = line.event;
    if (isExpired(event)) {
      // 410: the resourceVersion is too old; the caller lists again
      this.end(line.id, {});
      return;
    }
    if (event.type === "ERROR") {
      this.end(line.id, { error: kubeErrorOf(event.object.code ?? 500, event.object, "GET", entry.path) });
      return;
    }
    const resourceVersion = resourceVersionOf(event);
    if (resourceVersion !== undefined) entry.resourceVersion = resourceVersion;
    entry.onEvent(event);
  }
}

/** The tab's one multiplexer, which every {@link watchList} uses unless told otherwise. */
export const sharedWatches = new WatchMultiplexer();

/**
 * Lists `path` (a collection, optionally with a label or field selector), then watches it from the
 * list's resourceVersion on the tab's one watch stream ({@link WatchMultiplexer}), reporting each
 * to `onEvent`. Lists again when the watch says its resourceVersion expired (410) and when it
 * ends; retries other failures with a growing pause; stops on 401/403/404 (reported as FAILED with
 * retrying false) and when `signal` aborts. Resolves when it stops.
 */
export async function watchList<T extends KubeObject>(path: string, onEvent: (event: ListWatchEvent<T>) => void, signal: AbortSignal, watches: WatchMultiplexer = sharedWatches): Promise<void> {
  let pause = 1000;
  while (!signal.aborted) {
    try {
      const list = await kubeRequest<KubeList<T>>("GET", path, { signal });
      if (signal.aborted) return;
      const resourceVersion = list.metadata.resourceVersion;
      onEvent({ type: "SYNCED", items: list.items ?? [], ...(resourceVersion !== undefined ? { resourceVersion } : {}) });
      pause = 1000;
      const started = Date.now();
      const end = await watches.watch<T>(path, resourceVersion, onEvent, signal);
      if (end === undefined || signal.aborted) return;
      if (end.error !== undefined) throw end.error;
      // ended or expired: list again (at once, unless it ended at once: then after a pause)
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
