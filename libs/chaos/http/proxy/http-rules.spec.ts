import { describe, expect, it } from "@jest/globals";
import {
  compileHttpRule,
  goDurationMs,
  parseHttpRule,
  parseHttpRules,
  pathGlobRegExp,
  planActions,
  requestMatches,
  responseMatches,
  type HttpRule,
} from "./http-rules.js";

const rule = (over: Partial<HttpRule> & Pick<HttpRule, "actions">): HttpRule => ({ target: "Request", selector: {}, port: 8080, ...over });

describe("parseHttpRules", () => {
  it("accepts Chaos Mesh's PodHttpChaos rule JSON as it is", () => {
    // the shape of Chaos Mesh's http-patch-response example, as its manager writes it into PodHttpChaos
    const cm = [
      {
        target: "Response",
        selector: { port: 80, path: "/api/*", method: "GET", code: 200, request_headers: { "X-A": "1" }, response_headers: { "Content-Type": "application/json" } },
        actions: { patch: { body: { type: "JSON", value: '{"foo":"bar"}' }, headers: [["X-Chaos", "yes"]] }, delay: "1.5s", replace: { code: 503, body: "aGVsbG8=", headers: { A: "b" } } },
        source: "busybox/http-patch",
        port: 80,
      },
      { target: "Request", selector: { port: 80 }, actions: { abort: true, replace: { path: "/x", method: "POST", queries: { q: "1" } }, patch: { queries: [["a", "b"]] } }, port: 80 },
    ];
    expect(parseHttpRules(cm)).toEqual(cm);
    // null fields (Go's omitted pointers written as null) are absent
    expect(parseHttpRule({ target: "Request", selector: { path: null, code: null }, actions: { delay: "10ms", abort: null }, port: 1 }, "r")).toEqual({
      target: "Request",
      selector: {},
      actions: { delay: "10ms" },
      port: 1,
    });
  });

  it.each([
    ["not a list", {}, 'rules: {} is not a list of rules'],
    ["a bad target", [{ target: "Both", actions: { abort: true }, port: 80 }], 'rules[0].target: "Both" is not "Request" or "Response"'],
    ["a bad delay", [{ target: "Request", actions: { abort: true }, port: 80 }, { target: "Request", actions: { abort: true }, port: 80 }, { target: "Request", actions: { delay: "5x" }, port: 80 }], 'rules[2].actions.delay: "5x" is not a duration'],
    ["a negative delay", [{ target: "Request", actions: { delay: "-1s" }, port: 80 }], 'rules[0].actions.delay: "-1s" is not a duration'],
    ["no action", [{ target: "Request", actions: {}, port: 80 }], "rules[0].actions: no action: give at least one of abort (true), delay, replace, patch"],
    ["abort false only", [{ target: "Request", actions: { abort: false }, port: 80 }], "rules[0].actions: no action"],
    ["an unknown field", [{ target: "Request", actions: { abort: true }, port: 80, extra: 1 }], "rules[0].extra: unknown field"],
    ["an unknown action", [{ target: "Request", actions: { drop: true }, port: 80 }], "rules[0].actions.drop: unknown field"],
    ["port 0", [{ target: "Request", actions: { abort: true }, port: 0 }], "rules[0].port: 0 is not a port (an integer from 1 to 65535)"],
    ["no port", [{ target: "Request", actions: { abort: true } }], "rules[0].port: undefined is not a port"],
    ["selector port 70000", [{ target: "Request", selector: { port: 70000 }, actions: { abort: true }, port: 80 }], "rules[0].selector.port: 70000 is not a port"],
    ["a code on a Request rule", [{ target: "Request", selector: { code: 200 }, actions: { abort: true }, port: 80 }], "rules[0].selector.code: only a Response rule can select on the status code"],
    ["response_headers on a Request rule", [{ target: "Request", selector: { response_headers: { a: "b" } }, actions: { abort: true }, port: 80 }], "rules[0].selector.response_headers: only a Response rule"],
    ["a bad code", [{ target: "Response", selector: { code: 99 }, actions: { abort: true }, port: 80 }], "rules[0].selector.code: 99 is not an HTTP status code"],
    ["a bad method", [{ target: "Request", selector: { method: "GE T" }, actions: { abort: true }, port: 80 }], 'rules[0].selector.method: "GE T" is not an HTTP method'],
    ["a bad header name", [{ target: "Request", selector: { request_headers: { "a b": "c" } }, actions: { abort: true }, port: 80 }], 'rules[0].selector.request_headers: "a b" is not a header name'],
    ["a header value with CRLF", [{ target: "Request", actions: { replace: { headers: { a: "b\r\nc: d" } } }, port: 80 }], "rules[0].actions.replace.headers.a: "],
    ["a non-base64 body", [{ target: "Request", actions: { replace: { body: "not base64!" } }, port: 80 }], 'rules[0].actions.replace.body: "not base64!" is not base64'],
    ["a replace code on a Request rule", [{ target: "Request", actions: { replace: { code: 500 } }, port: 80 }], "rules[0].actions.replace.code: only a Response rule can replace the status code"],
    ["a replace path on a Response rule", [{ target: "Response", actions: { replace: { path: "/x" } }, port: 80 }], "rules[0].actions.replace.path: only a Request rule"],
    ["a replace path without /", [{ target: "Request", actions: { replace: { path: "x" } }, port: 80 }], 'rules[0].actions.replace.path: "x" is not a path'],
    ["patch queries on a Response rule", [{ target: "Response", actions: { patch: { queries: [["a", "b"]] } }, port: 80 }], "rules[0].actions.patch.queries: only a Request rule"],
    ["a patch pair of three", [{ target: "Request", actions: { patch: { headers: [["a", "b", "c"]] } }, port: 80 }], 'rules[0].actions.patch.headers[0]: ["a","b","c"] is not a [name, value] pair of strings'],
    ["a patch body type", [{ target: "Request", actions: { patch: { body: { type: "XML", value: "<a/>" } } }, port: 80 }], 'rules[0].actions.patch.body.type: "XML" is not a patch type'],
    ["a patch body that is not JSON", [{ target: "Request", actions: { patch: { body: { type: "JSON", value: "{a" } } }, port: 80 }], 'rules[0].actions.patch.body.value: "{a" is not JSON'],
    ["a source that is not a string", [{ target: "Request", actions: { abort: true }, port: 80, source: 3 }], "rules[0].source: 3 is not a string"],
  ])("refuses %s, naming the field", (_, value, message) => {
    expect(() => parseHttpRules(value)).toThrow(message);
  });

  it("allows the caller's extra fields (the proxy's recordKey) and leaves them out", () => {
    expect(parseHttpRule({ target: "Request", actions: { abort: true }, port: 80, recordKey: "k" }, "rules[0]", ["recordKey"])).toEqual({
      target: "Request",
      selector: {},
      actions: { abort: true },
      port: 80,
    });
  });
});

describe("goDurationMs", () => {
  it.each([
    ["0", 0],
    ["300ms", 300],
    ["1.5s", 1500],
    ["2h45m", 9_900_000],
    ["1m30s", 90_000],
    ["100us", 0.1],
    ["1000000ns", 1],
    [".5s", 500],
  ])("%s is %d ms", (text, ms) => expect(goDurationMs(text)).toBeCloseTo(ms, 9));
  it.each(["", "5", "5x", "-1s", "1s ", "s", "1.2.3s", "1sec"])("%j is not a duration", (text) => expect(goDurationMs(text)).toBeUndefined());
});

describe("pathGlobRegExp", () => {
  it.each([
    ["/api/*", "/api/users", true],
    ["/api/*", "/api/", true],
    ["/api/*", "/api/users/7", false],
    ["/api/*", "/api", false],
    ["/api/*/orders", "/api/7/orders", true],
    ["/a?c", "/abc", true],
    ["/a?c", "/a/c", false],
    ["/a.c", "/abc", false],
    ["/a.c", "/a.c", true],
    ["/x+(y)", "/x+(y)", true],
    ["*", "/", false],
    ["/*", "/anything", true],
  ])("%s on %s: %s", (glob, path, expected) => expect(pathGlobRegExp(glob).test(path)).toBe(expected));
});

describe("matching", () => {
  const req = { port: 8080, method: "get", url: "/api/users?x=1", headers: ["Host", "a", "X-User", "alice", "Accept", "a/b", "Accept", "c/d"] };

  it("matches port, path (without the query), method case-insensitively and headers exactly", () => {
    const m = (selector: HttpRule["selector"], port = 8080) => requestMatches(compileHttpRule(rule({ selector, port, actions: { abort: true } })), req);
    expect(m({})).toBe(true);
    expect(m({}, 8081)).toBe(false);
    expect(m({ port: 8081 })).toBe(false);
    expect(m({ path: "/api/*" })).toBe(true);
    expect(m({ path: "/web/*" })).toBe(false);
    expect(m({ method: "GET" })).toBe(true);
    expect(m({ method: "POST" })).toBe(false);
    expect(m({ request_headers: { "x-user": "alice" } })).toBe(true);
    expect(m({ request_headers: { "X-User": "Alice" } })).toBe(false); // values are exact
    expect(m({ request_headers: { "x-missing": "" } })).toBe(false);
    expect(m({ request_headers: { Accept: "c/d" } })).toBe(true); // one of its values
    expect(m({ request_headers: { Accept: "a/b, c/d" } })).toBe(true); // or all of them joined
  });

  it("matches a Response rule's code and response_headers", () => {
    const r = compileHttpRule(rule({ target: "Response", selector: { code: 404, response_headers: { "content-type": "text/plain" } }, actions: { abort: true } }));
    expect(responseMatches(r, { code: 404, headers: ["Content-Type", "text/plain"] })).toBe(true);
    expect(responseMatches(r, { code: 200, headers: ["Content-Type", "text/plain"] })).toBe(false);
    expect(responseMatches(r, { code: 404, headers: ["Content-Type", "text/html"] })).toBe(false);
  });
});

describe("planActions", () => {
  const c = (actions: HttpRule["actions"]) => compileHttpRule(rule({ actions }));

  it("adds delays and keeps every edit, in order", () => {
    const a = c({ delay: "100ms", replace: { headers: { a: "1" } } });
    const b = c({ delay: "1s", patch: { body: { type: "JSON", value: "{}" } } });
    expect(planActions([a, b])).toEqual({ delayMs: 1100, abort: false, edits: [a, b], readsBody: true });
    expect(planActions([a])).toEqual({ delayMs: 100, abort: false, edits: [a], readsBody: false });
    expect(planActions([])).toEqual({ delayMs: 0, abort: false, edits: [], readsBody: false });
  });

  it("ends at the first abort: delays before it wait, rules after it are not met", () => {
    const plan = planActions([c({ delay: "10ms" }), c({ abort: true, delay: "5ms" }), c({ delay: "1h" }), c({ replace: { body: "" } })]);
    expect(plan).toEqual({ delayMs: 15, abort: true, edits: [], readsBody: false });
  });
});
