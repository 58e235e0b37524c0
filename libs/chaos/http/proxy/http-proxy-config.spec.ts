import { describe, expect, it } from "@jest/globals";
import { parseHttpProxyConfig } from "./http-proxy-config.js";

const parse = (value: unknown) => parseHttpProxyConfig(typeof value === "string" ? value : JSON.stringify(value), "c.json");
const listeners = [{ port: 15080, serverPort: 8080 }];
const rule = { recordKey: "uid/ns/pod/c", target: "Request", selector: { path: "/api/*" }, actions: { abort: true }, port: 8080 };
const cert = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
const key = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";

describe("parseHttpProxyConfig", () => {
  it("accepts the daemon's config", () => {
    expect(parse({ listeners, rules: [rule], tls: null })).toEqual({ listeners, rules: [rule], tls: null });
    expect(parse({ listeners, rules: [], tls: { cert, key, ca: cert } }).tls).toEqual({ cert, key, ca: cert });
    expect(parse({ listeners, rules: [] }).tls).toBeNull();
  });

  it.each([
    ["{", "config c.json is not JSON"],
    [[], "config c.json: must be an object { listeners, rules, tls }"],
    [{ listeners, rules: [], extra: 1 }, 'config c.json: unknown field "extra"'],
    [{ listeners: [], rules: [] }, "config c.json: listeners must be a non-empty array"],
    [{ listeners: [{ port: 0, serverPort: 8080 }], rules: [] }, "config c.json: listeners[0].port: 0 is not a port"],
    [{ listeners: [{ port: 15080, serverPort: "8080" }], rules: [] }, 'config c.json: listeners[0].serverPort: "8080" is not a port'],
    [{ listeners: [{ port: 8080, serverPort: 8080 }], rules: [] }, "config c.json: listeners[0]: port and serverPort are both 8080"],
    [{ listeners: [...listeners, { port: 15080, serverPort: 9090 }], rules: [] }, "config c.json: listeners[1].port: 15080 is listed twice"],
    [{ listeners: [{ port: 15080, serverPort: 8080, host: "x" }], rules: [] }, "config c.json: listeners[0].host: unknown field"],
    [{ listeners }, "config c.json: rules must be an array"],
    [{ listeners, rules: [{ ...rule, actions: { delay: "5x" } }] }, 'config c.json: rules[0].actions.delay: "5x" is not a duration'],
    [{ listeners, rules: [{ ...rule, recordKey: "" }] }, 'config c.json: rules[0].recordKey: "" is not a record key'],
    [{ listeners, rules: [{ ...rule, recordKey: undefined }] }, "config c.json: rules[0].recordKey: undefined is not a record key"],
    [{ listeners, rules: [], tls: { cert, key: "nope" } }, "config c.json: tls.key must be a PEM private key"],
    [{ listeners, rules: [], tls: { cert, key, cert_name: "x" } }, "config c.json: tls.cert_name: unknown field"],
  ])("refuses %j, naming why", (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });
});
