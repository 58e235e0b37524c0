import { Agent, fetch, Headers, type Response } from "undici";
import { createDestinationPolicy, RefusedDestinationError, type DestinationPolicy } from "./destination-policy.js";
import type { HttpStatusCheck } from "./status-check-crd.js";
import type { StatusCheckOutcome } from "./status-check.js";
import { parseStatusCodeCriteria, statusCodeMeets } from "./status-code-criteria.js";

/** What one HTTP probe found. */
export interface HttpProbeResult {
  outcome: StatusCheckOutcome;
  /** The final response's status code, when a response came. */
  statusCode?: number;
  /** Why, in a line: the status code and what was expected, or what failed (refused, timed out, …). */
  message: string;
  latencyMs: number;
}

/** Options of {@link probeHttp}. */
export interface HttpProbeOptions {
  /** The whole exchange (every redirect included) must end within this; else a Failure. */
  timeoutMs: number;
  /** Aborts the probe (the manager shutting down); an aborted probe rejects instead of judging. */
  signal?: AbortSignal;
  /** Redirects followed at most (Go's http.Client: 10). */
  maxRedirects?: number;
  /**
   * Destinations never reached (checked for the URL and every redirect, and for each address a
   * name resolves to, at connect time); default none. The manager passes its configured policy,
   * which refuses cloud metadata addresses by default.
   */
  destinations?: DestinationPolicy;
}

const allowEverything = createDestinationPolicy([]);
// one connection pool per policy, dialling through the policy's lookup
const dispatchers = new WeakMap<DestinationPolicy, Agent>();
function dispatcherFor(policy: DestinationPolicy): Agent {
  let agent = dispatchers.get(policy);
  if (!agent) {
    agent = new Agent({ connect: { lookup: policy.lookup } });
    dispatchers.set(policy, agent);
  }
  return agent;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// what Go's http.Client drops when a redirect leaves the original host
const sensitiveHeaders = ["authorization", "www-authenticate", "cookie", "cookie2", "proxy-authorization"];

/**
 * Makes the StatusCheck's HTTP request once and judges the response by `criteria.statusCode`.
 * Never throws for the target's faults: a refused connection, a DNS failure, a timeout, a redirect
 * to another scheme or a response outside the criteria is a Failure whose message says which.
 * Redirects are followed (at most 10, like Go's client) only within the same scheme, so an https
 * check never silently turns into plain http; a redirect elsewhere is a Failure naming the target.
 * The body is never read (only the status code matters): it is cancelled at once. A destination
 * that `options.destinations` refuses (in the URL, a redirect, or what a name resolves to) is a
 * Failure before anything is sent to it.
 *
 * @example
 * const result = await probeHttp({ url: "http://web.shop:8080/healthz", criteria: { statusCode: "200-399" } }, { timeoutMs: 1000 });
 * // { outcome: "Failure", message: "GET http://web.shop:8080/healthz: connection refused (ECONNREFUSED)", … }
 */
export async function probeHttp(check: HttpStatusCheck, options: HttpProbeOptions): Promise<HttpProbeResult> {
  const started = performance.now();
  const method0 = check.method ?? "GET";
  const describe = `${method0} ${check.url}`;
  const result = (outcome: StatusCheckOutcome, message: string, statusCode?: number): HttpProbeResult => ({
    outcome,
    message: `${describe}: ${message}`,
    ...(statusCode !== undefined && { statusCode }),
    latencyMs: Math.round(performance.now() - started),
  });
  let criteria;
  try {
    criteria = parseStatusCodeCriteria(check.criteria.statusCode);
  } catch (error) {
    return result("Failure", (error as Error).message);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let url: URL;
  try {
    url = new URL(check.url);
  } catch {
    return result("Failure", "not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return result("Failure", `the scheme ${url.protocol} is not http or https`);
  const origin = url.origin;
  let method = method0;
  let body: string | undefined = method === "POST" ? (check.body ?? "") : undefined;
  let headers: Headers;
  try {
    headers = new Headers();
    for (const [name, values] of Object.entries(check.headers ?? {})) for (const value of values) headers.append(name, value);
  } catch (error) {
    return result("Failure", `invalid header: ${(error as Error).message}`);
  }
  const maxRedirects = options.maxRedirects ?? 10;
  const destinations = options.destinations ?? allowEverything;
  const dispatcher = dispatcherFor(destinations);
  for (let hop = 0; ; hop++) {
    // an address in the URL is never looked up, so the policy judges it here; names at connect time
    const literal = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const range = destinations.refusing(literal);
    if (range !== undefined) return result("Failure", new RefusedDestinationError(literal, range).message);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body !== undefined && { body }), redirect: "manual", signal, dispatcher });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) return result("Failure", `no response within ${formatMs(options.timeoutMs)}`);
      return result("Failure", fetchFailure(error));
    }
    // only the status code matters: read nothing of the body
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get("location");
    if (!redirectStatuses.has(response.status) || location === null) {
      return statusCodeMeets(criteria, response.status)
        ? result("Success", `status ${response.status}`, response.status)
        : result("Failure", `status ${response.status}, expected ${check.criteria.statusCode}`, response.status);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return result("Failure", `status ${response.status} redirects to an invalid location ${JSON.stringify(location)}`, response.status);
    }
    if (next.protocol !== url.protocol) {
      return result("Failure", `status ${response.status} redirects to ${next.href}, another scheme: not followed`, response.status);
    }
    if (hop >= maxRedirects) return result("Failure", `stopped after ${maxRedirects} redirects`, response.status);
    // as Go's client: 301/302/303 turn a POST into a GET without body (303 any method); 307/308 keep both
    if ((response.status === 303 && method !== "GET") || ((response.status === 301 || response.status === 302) && method === "POST")) {
      method = "GET";
      body = undefined;
    }
    if (next.origin !== origin) for (const name of sensitiveHeaders) headers.delete(name);
    url = next;
  }
}

/** A fetch failure as a short reason: the system error under undici's "fetch failed". */
function fetchFailure(error: unknown): string {
  for (let cause: unknown = error, depth = 0; depth < 5 && cause !== undefined; depth++) {
    if (cause instanceof RefusedDestinationError) return cause.message;
    cause = (cause as { cause?: unknown }).cause;
  }
  let cause: unknown = error;
  for (let depth = 0; depth < 5 && cause !== undefined; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") return `${systemErrorText[code] ?? "request failed"} (${code})`;
    cause = (cause as { cause?: unknown }).cause;
  }
  const inner = (error as { cause?: { message?: unknown } }).cause?.message;
  return typeof inner === "string" ? inner : error instanceof Error ? error.message : String(error);
}

const systemErrorText: { [code: string]: string } = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate cannot be verified",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name the host",
};

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
