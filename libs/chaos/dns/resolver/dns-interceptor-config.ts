// The interceptor's config file (written by the daemon, read by dns-interceptor-main at start and
// on SIGHUP): { "upstreams": ["10.0.0.10"], "rules": [{ "recordKey", "action", "patterns" }] }.

import { parseConfigObject } from "../../pod-netns-process/helper-process-main.js";
import { dnsInterceptorRuleProblem, parseDnsUpstream, type DnsInterceptorRule } from "./dns-interceptor.js";

/** The interceptor's config file, checked. */
export interface DnsInterceptorConfig {
  readonly upstreams: string[];
  readonly rules: DnsInterceptorRule[];
}

/** Parses and checks a config file's text; throws an error naming the file and the field. */
export function parseDnsInterceptorConfig(text: string, file: string): DnsInterceptorConfig {
  const { value: v, fail } = parseConfigObject(text, file, ["upstreams", "rules"]);
  if (!Array.isArray(v["upstreams"]) || v["upstreams"].length === 0) fail("upstreams must be a non-empty array of nameserver addresses");
  for (const [i, u] of (v["upstreams"] as unknown[]).entries()) {
    if (typeof u !== "string") fail(`upstreams[${i}] must be a string`);
    try {
      parseDnsUpstream(u as string);
    } catch (err) {
      fail(`upstreams[${i}]: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(v["rules"])) fail("rules must be an array (empty for no rule)");
  for (const [i, rule] of (v["rules"] as unknown[]).entries()) {
    const problem = dnsInterceptorRuleProblem(rule, `rules[${i}]`);
    if (problem !== undefined) fail(problem);
  }
  return { upstreams: v["upstreams"] as string[], rules: v["rules"] as DnsInterceptorRule[] };
}
