import { describe, expect, it } from "@jest/globals";
import { parseDnsInterceptorConfig } from "./dns-interceptor-config.js";

const parse = (value: unknown) => parseDnsInterceptorConfig(typeof value === "string" ? value : JSON.stringify(value), "c.json");

describe("parseDnsInterceptorConfig", () => {
  it("accepts the daemon's config", () => {
    const config = { upstreams: ["10.0.0.10", "127.0.0.1:5353"], rules: [{ recordKey: "ns/x/pod/c", action: "error", patterns: ["api.example.test", "web.*"] }] };
    expect(parse(config)).toEqual(config);
    expect(parse({ upstreams: ["10.0.0.10"], rules: [] }).rules).toEqual([]);
  });

  it.each([
    ["{", "config c.json is not JSON"],
    [[], "config c.json: must be an object { upstreams, rules }"],
    [{ upstreams: ["10.0.0.10"], rules: [], extra: true }, 'config c.json: unknown field "extra"'],
    [{ upstreams: [], rules: [] }, "config c.json: upstreams must be a non-empty array"],
    [{ upstreams: ["kube-dns"], rules: [] }, 'config c.json: upstreams[0]: upstream "kube-dns" is not an IP address'],
    [{ upstreams: ["10.0.0.10"] }, "config c.json: rules must be an array"],
    [{ upstreams: ["10.0.0.10"], rules: [{ recordKey: "k", action: "delay", patterns: [] }] }, 'config c.json: rules[0].action is "delay": it must be "error" or "random"'],
    [
      { upstreams: ["10.0.0.10"], rules: [{ recordKey: "k", action: "error", patterns: ["a*b"] }] },
      'config c.json: rules[0].patterns[0]: pattern "a*b" has "*" before its end: only a trailing "*" is allowed',
    ],
  ])("refuses %j, naming why", (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });
});
