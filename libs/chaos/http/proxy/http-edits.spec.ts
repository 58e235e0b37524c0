import { describe, expect, it } from "@jest/globals";
import { gzipSync } from "node:zlib";
import { editRequest, editResponse, withoutHopByHop, type HeaderPairs } from "./http-edits.js";
import { compileHttpRule, type HttpRule } from "./http-rules.js";

const c = (target: HttpRule["target"], actions: HttpRule["actions"]) => compileHttpRule({ target, selector: {}, actions, port: 80 });
const headers: HeaderPairs = [
  ["Host", "svc"],
  ["X-A", "1"],
  ["x-a", "2"],
];

describe("editRequest", () => {
  it("replaces path (keeping the query), method, the named queries and headers; patch appends queries and headers", () => {
    const { head, body } = editRequest({ method: "GET", url: "/old?keep=1&q=old&q=older", headers }, [
      c("Request", { replace: { path: "/new", method: "POST", queries: { q: "new value" }, headers: { "x-a": "3" } } }),
      c("Request", { patch: { queries: [["keep", "2"]], headers: [["X-A", "4"], ["X-B", "5"]] } }),
    ]);
    expect(body).toBeUndefined();
    expect(head).toEqual({
      method: "POST",
      url: "/new?keep=1&q=new%20value&keep=2",
      headers: [["Host", "svc"], ["x-a", "3"], ["X-A", "4"], ["X-B", "5"]],
    });
    expect(editRequest({ method: "GET", url: "/p", headers: [] }, [c("Request", { patch: { queries: [["a", "b"]] } })]).head.url).toBe("/p?a=b");
  });

  it("replaces then merge-patches a JSON body (RFC 7396), reframing it with its new length", () => {
    const out = editRequest({ method: "POST", url: "/", headers: [["Content-Length", "9"], ["Content-Type", "application/json"]] }, [
      c("Request", { replace: { body: Buffer.from('{"a":1,"b":{"c":2,"d":3},"e":[1]}').toString("base64") } }),
      c("Request", { patch: { body: { type: "JSON", value: '{"b":{"c":null,"x":true},"e":[2],"f":"g"}' } } }),
    ], Buffer.from('{"old":1}'));
    const text = out.body!.toString();
    expect(JSON.parse(text)).toEqual({ a: 1, b: { d: 3, x: true }, e: [2], f: "g" });
    expect(out.head.headers).toEqual([["Content-Type", "application/json"], ["Content-Length", String(Buffer.byteLength(text))]]);
  });

  it("patches a body that is not JSON as RFC 7396 patches a non-object: the patch becomes the body", () => {
    const out = editRequest({ method: "POST", url: "/", headers: [] }, [c("Request", { patch: { body: { type: "JSON", value: '{"a":1}' } } })], Buffer.from("plain text"));
    expect(out.body!.toString()).toBe('{"a":1}');
  });
});

describe("editResponse", () => {
  it("replaces the code and headers, patches headers, leaves the body streamed when no edit reads it", () => {
    const out = editResponse({ code: 200, headers: [["Content-Type", "text/plain"]] }, [
      c("Response", { replace: { code: 503, headers: { "content-type": "text/html" } } }),
      c("Response", { patch: { headers: [["X-Chaos", "1"]] } }),
    ]);
    expect(out).toEqual({ head: { code: 503, headers: [["content-type", "text/html"], ["X-Chaos", "1"]] } });
  });

  it("decodes a gzipped body to patch it and sends it without Content-Encoding", () => {
    const gz = gzipSync('{"name":"server"}');
    const out = editResponse({ code: 200, headers: [["Content-Encoding", "gzip"], ["Content-Length", String(gz.length)]] }, [
      c("Response", { patch: { body: { type: "JSON", value: '{"name":"chaos"}' } } }),
    ], gz);
    expect(out.body!.toString()).toBe('{"name":"chaos"}');
    expect(out.head.headers).toEqual([["Content-Length", "16"]]);
  });

  it("leaves a body in an encoding it cannot read as it came", () => {
    const body = Buffer.from("zstd bytes");
    const h: HeaderPairs = [["Content-Encoding", "zstd"]];
    const out = editResponse({ code: 200, headers: h }, [c("Response", { replace: { body: "" } })], body);
    expect(out).toEqual({ head: { code: 200, headers: h }, body });
  });
});

describe("withoutHopByHop", () => {
  it("drops the connection's own fields and those Connection names", () => {
    expect(
      withoutHopByHop([["Connection", "keep-alive, X-Hop"], ["Keep-Alive", "timeout=5"], ["Transfer-Encoding", "chunked"], ["X-Hop", "1"], ["X-End", "2"], ["Host", "h"]]),
    ).toEqual([["X-End", "2"], ["Host", "h"]]);
  });
});
