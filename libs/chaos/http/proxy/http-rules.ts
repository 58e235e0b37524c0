// HTTPChaos's rules as the proxy takes them: Chaos Mesh's PodHttpChaos rule, its JSON shape
// exactly (the JSON tags of podhttpchaos_types.go), checked strictly, and how a request or a
// response is matched against them.
//
//   { "target": "Request" | "Response",
//     "selector": { "port", "path", "method", "code", "request_headers", "response_headers" },
//     "actions": { "abort": bool, "delay": "<Go duration>",
//                  "replace": { "path", "method", "code", "body": "<base64>", "queries": {k: v}, "headers": {k: v} },
//                  "patch": { "body": { "type": "JSON", "value": "<JSON text>" }, "queries": [[k, v]], "headers": [[k, v]] } },
//     "source": "<who made the rule>", "port": <the server's port> }
//
// Matching (every selector field given must match; an absent one matches anything):
//   - port: `port` (and `selector.port` when given) equal the server port the connection was for;
//   - path: a glob over the request's path (what is before "?", as sent, not percent-decoded):
//     "*" is any run of characters within one segment (never "/"), "?" one character (never
//     "/"), everything else itself. So "/api/*" matches "/api/users", not "/api/users/7" nor
//     "/api"; "/api/*/orders" matches "/api/7/orders". (Chaos Mesh calls its path a glob-like uri
//     path; this is that glob with segment-bounded wildcards, as shells match file paths.)
//   - method: case-insensitive, exact;
//   - request_headers / response_headers: each named header (name case-insensitive) has exactly
//     that value (one of its values, when it is sent several times, or all of them joined by ", ");
//   - code (target Response only): the server's status code.
// A Response rule's path, method and request_headers are matched on the request that was answered.
//
// Composition (`planActions`): a request (target Request) or a response (target Response) meets
// EVERY rule that matches it, in the order of the list the proxy was given (the daemon keeps
// records in the order they were first applied, as Chaos Mesh applies rules in order of creation):
//   - delays add up;
//   - an abort ends it: the rules after the first matching abort are not met (delays before it
//     still wait), and the connection is closed without an answer (Request: the server never sees
//     the request; Response: the server answered, the client gets nothing);
//   - otherwise each rule's replace, then its patch, apply in that order: replace sets (path,
//     method, code, a whole body, the named queries and headers, replacing their values), patch
//     appends (queries and headers added after those there; a JSON body merged with the patch's
//     value as a JSON merge patch, RFC 7396).
// Fields that do not act on the rule's target are refused rather than ignored: `selector.code`,
// `selector.response_headers`, `replace.code` on a Request rule; `replace.path`, `replace.method`,
// `replace.queries`, `patch.queries` on a Response rule.

import { InvalidDurationError, parseGoDuration } from "@faultline/api";

/** Which side of an exchange a rule acts on. */
export type HttpTarget = "Request" | "Response";

/** Chaos Mesh's PodHttpChaosSelector. */
export interface HttpSelector {
  readonly port?: number;
  readonly path?: string;
  readonly method?: string;
  readonly code?: number;
  readonly request_headers?: Readonly<Record<string, string>>;
  readonly response_headers?: Readonly<Record<string, string>>;
}

/** Chaos Mesh's PodHttpChaosReplaceActions (body is base64 in JSON). */
export interface HttpReplaceActions {
  readonly path?: string;
  readonly method?: string;
  readonly code?: number;
  readonly body?: string;
  readonly queries?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Chaos Mesh's PodHttpChaosPatchActions. */
export interface HttpPatchActions {
  readonly body?: { readonly type: "JSON"; readonly value: string };
  readonly queries?: ReadonlyArray<readonly [string, string]>;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Chaos Mesh's PodHttpChaosActions. */
export interface HttpActions {
  readonly abort?: boolean;
  readonly delay?: string;
  readonly replace?: HttpReplaceActions;
  readonly patch?: HttpPatchActions;
}

/** Chaos Mesh's PodHttpChaosRule. */
export interface HttpRule {
  readonly target: HttpTarget;
  readonly selector: HttpSelector;
  readonly actions: HttpActions;
  readonly source?: string;
  readonly port: number;
}

/** A rule, checked, with what matching and acting need computed once. */
export interface CompiledHttpRule {
  readonly rule: HttpRule;
  readonly path?: RegExp;
  readonly delayMs: number;
  /** replace.body decoded. */
  readonly replaceBody?: Buffer;
  /** patch.body.value parsed. */
  readonly patchBody?: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Thrown by the parser: its message names the field (`rules[2].actions.delay: "5x" is not a duration`). */
export class HttpRuleError extends Error {}

function fail(where: string, why: string): never {
  throw new HttpRuleError(`${where}: ${why}`);
}

function onlyKeys(v: Json, where: string, allowed: readonly string[]): void {
  const extra = Object.keys(v).find((k) => !allowed.includes(k));
  if (extra !== undefined) fail(`${where}.${extra}`, `unknown field (allowed: ${allowed.join(", ")})`);
}

function optString(v: Json, key: string, where: string): string | undefined {
  const x = v[key];
  if (x === undefined || x === null) return undefined;
  if (typeof x !== "string") fail(`${where}.${key}`, `${show(x)} is not a string`);
  return x;
}

function port(x: unknown, where: string): number {
  if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 65535) fail(where, `${show(x)} is not a port (an integer from 1 to 65535)`);
  return x as number;
}

function code(x: unknown, where: string): number {
  if (!Number.isInteger(x) || (x as number) < 100 || (x as number) > 599) fail(where, `${show(x)} is not an HTTP status code (an integer from 100 to 599)`);
  return x as number;
}

function method(x: unknown, where: string): string {
  if (typeof x !== "string" || !token.test(x)) fail(where, `${show(x)} is not an HTTP method (a token such as "GET")`);
  return x;
}

function headerMap(x: unknown, where: string): Record<string, string> {
  if (!isObject(x)) fail(where, `${show(x)} is not a map of names to values`);
  for (const [k, v] of Object.entries(x)) {
    if (!token.test(k)) fail(where, `${show(k)} is not a header name`);
    if (typeof v !== "string" || /[\r\n\0]/.test(v)) fail(`${where}.${k}`, `${show(v)} is not a header value (a string without CR, LF or NUL)`);
  }
  return x as Record<string, string>;
}

function queryMap(x: unknown, where: string): Record<string, string> {
  if (!isObject(x)) fail(where, `${show(x)} is not a map of names to values`);
  for (const [k, v] of Object.entries(x)) if (typeof v !== "string") fail(`${where}.${k}`, `${show(v)} is not a string`);
  return x as Record<string, string>;
}

function pairs(x: unknown, where: string, header: boolean): Array<[string, string]> {
  if (!Array.isArray(x)) fail(where, `${show(x)} is not a list of [name, value] pairs`);
  for (const [i, p] of x.entries()) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || typeof p[1] !== "string") {
      fail(`${where}[${i}]`, `${show(p)} is not a [name, value] pair of strings`);
    }
    if (header && !token.test(p[0] as string)) fail(`${where}[${i}]`, `${show(p[0])} is not a header name`);
    if (header && /[\r\n\0]/.test(p[1] as string)) fail(`${where}[${i}]`, `${show(p[1])} is not a header value (a string without CR, LF or NUL)`);
  }
  return x as Array<[string, string]>;
}

/**
 * A Go duration (Go's time.ParseDuration: "300ms", "1.5s", "2h45m", "0") in milliseconds, or
 * undefined when the text is not one: @faultline/api's `parseGoDuration`, except that negative
 * durations and text with spaces around it are not durations here.
 *
 * @example goDurationMs("1m30s") // 90000
 */
export function goDurationMs(text: string): number | undefined {
  if (text !== text.trim() || text.startsWith("-")) return undefined;
  try {
    return parseGoDuration(text);
  } catch (err) {
    if (err instanceof InvalidDurationError) return undefined;
    throw err;
  }
}

/**
 * The glob of `selector.path` as a regular expression over a whole path: "*" any run within one
 * segment, "?" one character, other characters themselves (see the file's comment).
 */
export function pathGlobRegExp(glob: string): RegExp {
  let source = "";
  for (const c of glob) source += c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  return new RegExp(`^${source}$`, "s");
}

function base64(x: unknown, where: string): Buffer {
  if (typeof x !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(x) || x.length % 4 !== 0) fail(where, `${show(x)} is not base64 (the body's bytes, as Chaos Mesh's JSON carries them)`);
  return Buffer.from(x, "base64");
}

function parseSelector(x: unknown, where: string, target: HttpTarget): HttpSelector {
  if (x === undefined || x === null) return {};
  if (!isObject(x)) fail(where, `${show(x)} is not an object`);
  onlyKeys(x, where, ["port", "path", "method", "code", "request_headers", "response_headers"]);
  const s: { -readonly [K in keyof HttpSelector]: HttpSelector[K] } = {};
  if (x["port"] !== undefined && x["port"] !== null) s.port = port(x["port"], `${where}.port`);
  const path = optString(x, "path", where);
  if (path !== undefined) s.path = path;
  if (x["method"] !== undefined && x["method"] !== null) s.method = method(x["method"], `${where}.method`);
  if (x["code"] !== undefined && x["code"] !== null) {
    if (target !== "Response") fail(`${where}.code`, "only a Response rule can select on the status code");
    s.code = code(x["code"], `${where}.code`);
  }
  if (x["request_headers"] !== undefined && x["request_headers"] !== null) s.request_headers = headerMap(x["request_headers"], `${where}.request_headers`);
  if (x["response_headers"] !== undefined && x["response_headers"] !== null) {
    if (target !== "Response") fail(`${where}.response_headers`, "only a Response rule can select on response headers");
    s.response_headers = headerMap(x["response_headers"], `${where}.response_headers`);
  }
  return s;
}

function parseActions(x: unknown, where: string, target: HttpTarget): HttpActions {
  if (!isObject(x)) fail(where, `${show(x)} is not an object { abort, delay, replace, patch }`);
  onlyKeys(x, where, ["abort", "delay", "replace", "patch"]);
  const a: { -readonly [K in keyof HttpActions]: HttpActions[K] } = {};
  if (x["abort"] !== undefined && x["abort"] !== null) {
    if (typeof x["abort"] !== "boolean") fail(`${where}.abort`, `${show(x["abort"])} is not true or false`);
    a.abort = x["abort"];
  }
  const delay = optString(x, "delay", where);
  if (delay !== undefined) {
    if (goDurationMs(delay) === undefined) fail(`${where}.delay`, `${show(delay)} is not a duration (Go's form: "300ms", "1.5s", "2m30s")`);
    a.delay = delay;
  }
  const r = x["replace"];
  if (r !== undefined && r !== null) {
    const w = `${where}.replace`;
    if (!isObject(r)) fail(w, `${show(r)} is not an object`);
    onlyKeys(r, w, ["path", "method", "code", "body", "queries", "headers"]);
    const out: { -readonly [K in keyof HttpReplaceActions]: HttpReplaceActions[K] } = {};
    const requestOnly = (k: string) => target !== "Request" && fail(`${w}.${k}`, "only a Request rule can replace the request's path, method or queries");
    const p = optString(r, "path", w);
    if (p !== undefined) {
      requestOnly("path");
      if (!p.startsWith("/") || /[\s?#]/.test(p)) fail(`${w}.path`, `${show(p)} is not a path (it starts with "/" and has no space, "?" or "#")`);
      out.path = p;
    }
    if (r["method"] !== undefined && r["method"] !== null) (requestOnly("method"), (out.method = method(r["method"], `${w}.method`)));
    if (r["code"] !== undefined && r["code"] !== null) {
      if (target !== "Response") fail(`${w}.code`, "only a Response rule can replace the status code");
      out.code = code(r["code"], `${w}.code`);
    }
    if (r["body"] !== undefined && r["body"] !== null) (base64(r["body"], `${w}.body`), (out.body = r["body"] as string));
    if (r["queries"] !== undefined && r["queries"] !== null) (requestOnly("queries"), (out.queries = queryMap(r["queries"], `${w}.queries`)));
    if (r["headers"] !== undefined && r["headers"] !== null) out.headers = headerMap(r["headers"], `${w}.headers`);
    a.replace = out;
  }
  const p = x["patch"];
  if (p !== undefined && p !== null) {
    const w = `${where}.patch`;
    if (!isObject(p)) fail(w, `${show(p)} is not an object`);
    onlyKeys(p, w, ["body", "queries", "headers"]);
    const out: { -readonly [K in keyof HttpPatchActions]: HttpPatchActions[K] } = {};
    const b = p["body"];
    if (b !== undefined && b !== null) {
      if (!isObject(b)) fail(`${w}.body`, `${show(b)} is not an object { type: "JSON", value }`);
      onlyKeys(b, `${w}.body`, ["type", "value"]);
      if (b["type"] !== "JSON") fail(`${w}.body.type`, `${show(b["type"])} is not a patch type: only "JSON" (a JSON merge patch, RFC 7396) is known`);
      if (typeof b["value"] !== "string") fail(`${w}.body.value`, `${show(b["value"])} is not a string of JSON`);
      try {
        JSON.parse(b["value"]);
      } catch (err) {
        fail(`${w}.body.value`, `${show(b["value"])} is not JSON (${(err as Error).message})`);
      }
      out.body = { type: "JSON", value: b["value"] };
    }
    if (p["queries"] !== undefined && p["queries"] !== null) {
      if (target !== "Request") fail(`${w}.queries`, "only a Request rule can patch the request's queries");
      out.queries = pairs(p["queries"], `${w}.queries`, false);
    }
    if (p["headers"] !== undefined && p["headers"] !== null) out.headers = pairs(p["headers"], `${w}.headers`, true);
    a.patch = out;
  }
  if (a.abort !== true && a.delay === undefined && a.replace === undefined && a.patch === undefined) {
    fail(where, "no action: give at least one of abort (true), delay, replace, patch");
  }
  return a;
}

/**
 * Checks one rule (Chaos Mesh's PodHttpChaosRule JSON) and returns it as the proxy uses it; throws
 * an HttpRuleError naming the field. `extraFields` are other fields the caller allows beside the
 * rule's own (the proxy's config adds `recordKey`); they are left out of the result.
 */
export function parseHttpRule(x: unknown, where: string, extraFields: readonly string[] = []): HttpRule {
  if (!isObject(x)) fail(where, `${show(x)} is not an object { target, selector, actions, source, port }`);
  onlyKeys(x, where, ["target", "selector", "actions", "source", "port", ...extraFields]);
  const target = x["target"];
  if (target !== "Request" && target !== "Response") fail(`${where}.target`, `${show(target)} is not "Request" or "Response"`);
  const selector = parseSelector(x["selector"], `${where}.selector`, target);
  const actions = parseActions(x["actions"], `${where}.actions`, target);
  const source = optString(x, "source", where);
  const rule: HttpRule = { target, selector, actions, port: port(x["port"], `${where}.port`), ...(source !== undefined ? { source } : {}) };
  return rule;
}

/** Checks a JSON list of rules (as ApplyHttpChaos and ExecHTTPChaos carry them); `where` names the list ("rules"). */
export function parseHttpRules(x: unknown, where = "rules", extraFields: readonly string[] = []): HttpRule[] {
  if (!Array.isArray(x)) fail(where, `${show(x)} is not a list of rules`);
  return x.map((r, i) => parseHttpRule(r, `${where}[${i}]`, extraFields));
}

/** A rule with its glob, delay, body and patch worked out once (the rule must have been parsed). */
export function compileHttpRule(rule: HttpRule): CompiledHttpRule {
  return {
    rule,
    ...(rule.selector.path !== undefined ? { path: pathGlobRegExp(rule.selector.path) } : {}),
    delayMs: rule.actions.delay !== undefined ? goDurationMs(rule.actions.delay)! : 0,
    ...(rule.actions.replace?.body !== undefined ? { replaceBody: Buffer.from(rule.actions.replace.body, "base64") } : {}),
    ...(rule.actions.patch?.body !== undefined ? { patchBody: JSON.parse(rule.actions.patch.body.value) as unknown } : {}),
  };
}

/** Headers as Node gives them in rawHeaders: [name, value, name, value, …]. */
export type RawHeaders = readonly string[];

function headersMatch(want: Readonly<Record<string, string>> | undefined, raw: RawHeaders): boolean {
  if (want === undefined) return true;
  for (const [name, value] of Object.entries(want)) {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === lower) values.push(raw[i + 1]!);
    if (values.length === 0 || (!values.includes(value) && values.join(", ") !== value)) return false;
  }
  return true;
}

/** What a request is matched on. */
export interface HttpRequestFacts {
  /** The server port the connection was for (the listener's serverPort). */
  readonly port: number;
  readonly method: string;
  /** The request target as sent ("/a/b?x=1"): its path is what is before "?". */
  readonly url: string;
  readonly headers: RawHeaders;
}

/** What a response is matched on, beside its request. */
export interface HttpResponseFacts {
  readonly code: number;
  readonly headers: RawHeaders;
}

/** Whether a rule's port, path, method and request_headers match a request (its target and code are not looked at). */
export function requestMatches(r: CompiledHttpRule, req: HttpRequestFacts): boolean {
  const s = r.rule.selector;
  if (r.rule.port !== req.port || (s.port !== undefined && s.port !== req.port)) return false;
  if (r.path !== undefined && !r.path.test(req.url.split("?", 1)[0]!)) return false;
  if (s.method !== undefined && s.method.toLowerCase() !== req.method.toLowerCase()) return false;
  return headersMatch(s.request_headers, req.headers);
}

/** Whether a Response rule whose request side matched also matches the response (code, response_headers). */
export function responseMatches(r: CompiledHttpRule, res: HttpResponseFacts): boolean {
  const s = r.rule.selector;
  if (s.code !== undefined && s.code !== res.code) return false;
  return headersMatch(s.response_headers, res.headers);
}

/** What the rules met by one request or response do, in order (see the file's comment). */
export interface HttpActionPlan {
  /** Total delay before forwarding (Request) or answering (Response), ms. */
  readonly delayMs: number;
  /** Close the connection without an answer. */
  readonly abort: boolean;
  /** The rules whose replace and patch apply, in order (none when aborting). */
  readonly edits: readonly CompiledHttpRule[];
  /** Whether some edit needs the whole body (a replace or patch of the body). */
  readonly readsBody: boolean;
}

/** Composes the rules met, in their order: delays add, the first abort ends it, replace then patch per rule. */
export function planActions(met: readonly CompiledHttpRule[]): HttpActionPlan {
  let delayMs = 0;
  const edits: CompiledHttpRule[] = [];
  for (const r of met) {
    delayMs += r.delayMs;
    if (r.rule.actions.abort === true) return { delayMs, abort: true, edits: [], readsBody: false };
    if (r.rule.actions.replace !== undefined || r.rule.actions.patch !== undefined) edits.push(r);
  }
  return { delayMs, abort: false, edits, readsBody: edits.some((r) => r.replaceBody !== undefined || r.patchBody !== undefined) };
}
