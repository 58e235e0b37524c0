import { Code, ConnectError } from "@connectrpc/connect";
import { checkContainerId, checkRecordKey, invalid } from "../../pod-netns-process/pod-request-validation.js";
import type { HttpProxyTls } from "../proxy/http-proxy.js";
import { HttpRuleError, parseHttpRules, type HttpRule } from "../proxy/http-rules.js";

/** The most rules one record (or one ApplyHttpChaos) may carry. */
export const maxHttpRules = 1024;

/** The TLS material of a pod's proxy (PEM text): the proxy's own config type. */
export type HttpTls = HttpProxyTls;

/** One record of a pod's HTTP chaos: its key, the container id it was given for, its rules. */
export interface HttpRecord {
  recordKey: string;
  containerId: string;
  /** The rules, checked (Chaos Mesh's PodHttpChaos rule shape). */
  rules: HttpRule[];
  /** The rules' JSON as it was given (what ListHTTPChaos answers). */
  rulesJson: string;
  tls?: HttpTls;
}

/** Parses and checks a rules JSON field: a list of at most {@link maxHttpRules} rules, each with H4's parser (`../proxy/http-rules.ts`), errors naming `<field>[i].<path>`. */
export function checkHttpRules(json: string, field = "rules"): HttpRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalid(field, `not JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(parsed) && parsed.length > maxHttpRules) throw invalid(field, `at most ${maxHttpRules} rules, got ${parsed.length}`);
  try {
    return parseHttpRules(parsed, field);
  } catch (error) {
    if (error instanceof HttpRuleError) throw new ConnectError(error.message, Code.InvalidArgument);
    throw error;
  }
}

/**
 * Parses the TLS field (Chaos Mesh's JSON {"cert_name", "key_name", "ca_name", "cert", "key", "ca"},
 * PEM contents) or empty (none): cert and key PEM text required, ca optional.
 */
export function checkHttpTls(json: string, field = "tls"): HttpTls | undefined {
  if (json.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalid(field, `not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid(field, "is not an object { cert, key, ca }");
  const o = parsed as { [k: string]: unknown };
  const allowed = ["cert_name", "key_name", "ca_name", "cert", "key", "ca"];
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw invalid(`${field}.${extra}`, `unknown field (allowed: ${allowed.join(", ")})`);
  for (const k of ["cert_name", "key_name", "ca_name"]) if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "string") throw invalid(`${field}.${k}`, "is not a string");
  const pem = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null || v === "") {
      if (required) throw invalid(`${field}.${k}`, "PEM text is required");
      return undefined;
    }
    if (typeof v !== "string" || !v.includes("-----BEGIN ")) throw invalid(`${field}.${k}`, "is not PEM text (-----BEGIN ...)");
    return v;
  };
  const cert = pem("cert", true)!;
  const key = pem("key", true)!;
  const ca = pem("ca", false);
  return { cert, key, ...(ca !== undefined && { ca }) };
}

/**
 * Checks an ExecHTTPChaos request before anything runs, each field named in the error
 * (InvalidArgument): the container id, the record key, the rules (JSON, at most 1,024, each
 * Chaos Mesh's rule shape, ports 1–65535) and the TLS material.
 */
export function checkExecHttpRequest(req: { containerId: string; recordKey: string; rules: string; tls: string }): HttpRecord {
  checkContainerId(req.containerId);
  checkRecordKey(req.recordKey);
  const rules = checkHttpRules(req.rules);
  if (rules.length === 0) throw invalid("rules", "at least one rule is required (RecoverHTTPChaos removes a record)");
  const tls = checkHttpTls(req.tls);
  return { recordKey: req.recordKey, containerId: req.containerId, rules, rulesJson: req.rules, ...(tls !== undefined && { tls }) };
}
