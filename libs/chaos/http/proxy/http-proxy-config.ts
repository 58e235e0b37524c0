// The proxy's config file (written by the daemon, read by http-proxy-main at start and on SIGHUP):
//   { "listeners": [{ "port": 15080, "serverPort": 8080 }],
//     "rules": [{ "recordKey": "…", <a PodHttpChaos rule: target, selector, actions, source, port> }, …],
//     "tls": { "cert": "<PEM>", "key": "<PEM>", "ca": "<PEM>" } | null }
// The rules are in force in the order listed (http-rules.ts says how they compose).

import { parseConfigObject } from "../../pod-netns-process/helper-process-main.js";
import type { HttpProxyListener, HttpProxyTls } from "./http-proxy.js";
import { HttpRuleError, parseHttpRule, type HttpRule } from "./http-rules.js";

/** A rule of the config: a PodHttpChaos rule and the record key it belongs to. */
export type HttpProxyConfigRule = HttpRule & { readonly recordKey: string };

/** The proxy's config file, checked. */
export interface HttpProxyConfig {
  readonly listeners: HttpProxyListener[];
  readonly rules: HttpProxyConfigRule[];
  readonly tls: HttpProxyTls | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const pem = (v: unknown, kind: string) => typeof v === "string" && v.includes(`-----BEGIN `) && v.includes(kind);

/** Parses and checks a config file's text; throws an error naming the file and the field. */
export function parseHttpProxyConfig(text: string, file: string): HttpProxyConfig {
  const { value, fail } = parseConfigObject(text, file, ["listeners", "rules", "tls"]);

  const listeners = value["listeners"];
  if (!Array.isArray(listeners) || listeners.length === 0) fail("listeners must be a non-empty array of { port, serverPort }");
  const seen = new Set<number>();
  for (const [i, l] of (listeners as unknown[]).entries()) {
    if (!isObject(l)) fail(`listeners[${i}] must be an object { port, serverPort }`);
    const o = l as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => k !== "port" && k !== "serverPort");
    if (extra !== undefined) fail(`listeners[${i}].${extra}: unknown field`);
    if (!isPort(o["port"])) fail(`listeners[${i}].port: ${JSON.stringify(o["port"])} is not a port (1 to 65535)`);
    if (!isPort(o["serverPort"])) fail(`listeners[${i}].serverPort: ${JSON.stringify(o["serverPort"])} is not a port (1 to 65535)`);
    if (o["port"] === o["serverPort"]) fail(`listeners[${i}]: port and serverPort are both ${String(o["port"])}: the proxy cannot listen on the server's own port`);
    if (seen.has(o["port"] as number)) fail(`listeners[${i}].port: ${String(o["port"])} is listed twice`);
    seen.add(o["port"] as number);
  }

  if (!Array.isArray(value["rules"])) fail("rules must be an array (empty for no rule)");
  const rules: HttpProxyConfigRule[] = [];
  for (const [i, r] of (value["rules"] as unknown[]).entries()) {
    const where = `rules[${i}]`;
    let rule: HttpRule;
    try {
      rule = parseHttpRule(r, where, ["recordKey"]);
    } catch (err) {
      if (err instanceof HttpRuleError) fail(err.message);
      throw err;
    }
    const key = (r as Record<string, unknown>)["recordKey"];
    if (typeof key !== "string" || key === "") fail(`${where}.recordKey: ${JSON.stringify(key)} is not a record key (a non-empty string)`);
    rules.push({ ...rule!, recordKey: key as string });
  }

  let tls: HttpProxyTls | null = null;
  const t = value["tls"];
  if (t !== undefined && t !== null) {
    if (!isObject(t)) fail("tls must be null or an object { cert, key, ca }");
    const o = t as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => !["cert", "key", "ca"].includes(k));
    if (extra !== undefined) fail(`tls.${extra}: unknown field`);
    if (!pem(o["cert"], "CERTIFICATE")) fail("tls.cert must be a PEM certificate");
    if (!pem(o["key"], "KEY")) fail("tls.key must be a PEM private key");
    if (o["ca"] !== undefined && o["ca"] !== null && !pem(o["ca"], "CERTIFICATE")) fail("tls.ca must be a PEM certificate, or null");
    tls = { cert: o["cert"] as string, key: o["key"] as string, ...(typeof o["ca"] === "string" ? { ca: o["ca"] } : {}) };
  }
  return { listeners: listeners as HttpProxyListener[], rules, tls };
}
