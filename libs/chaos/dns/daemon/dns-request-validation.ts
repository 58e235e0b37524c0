import { Code, ConnectError } from "@connectrpc/connect";
import { dnsPatternProblem } from "../resolver/dns-patterns.js";

/** A record key: what ExecDNSChaos and RecoverDNSChaos name (StressChaos's grammar). */
export const dnsRecordKeyPattern = /^[A-Za-z0-9._:/-]{1,512}$/;

/** A container id as the runtimes name it: `<runtime>://<id>`. */
const containerIdPattern = /^[a-z0-9.-]+:\/\/[A-Za-z0-9._-]{1,256}$/;

/** The most patterns one record may carry. */
export const maxDnsPatterns = 1024;

/** The actions of DNSChaos. */
export type DnsAction = "error" | "random";

const invalid = (field: string, message: string) => new ConnectError(`${field}: ${message}`, Code.InvalidArgument);

/** Checks a container id field (required, `<runtime>://<id>`). */
export function checkContainerId(containerId: string, field = "containerId"): void {
  if (containerId === "") throw invalid(field, "a container id is required");
  if (!containerIdPattern.test(containerId)) throw invalid(field, `${JSON.stringify(containerId.slice(0, 300))} is not a runtime-prefixed container id such as containerd://<64 hex>`);
}

/** Checks a record key field (required, letters, digits and `. _ : / -`, at most 512). */
export function checkRecordKey(recordKey: string, field = "recordKey"): void {
  if (recordKey === "") throw invalid(field, "a record key is required");
  if (!dnsRecordKeyPattern.test(recordKey)) throw invalid(field, `${JSON.stringify(recordKey.slice(0, 600))} holds characters other than letters, digits and . _ : / - (or is longer than 512)`);
}

/** One rule of a pod's interception, as ExecDNSChaos asked for it. */
export interface DnsRule {
  recordKey: string;
  containerId: string;
  action: DnsAction;
  /** Empty: every name. */
  patterns: string[];
}

/**
 * Checks an ExecDNSChaos request before anything runs, each field named in the error
 * (InvalidArgument): the container id, the action (error | random), each pattern (the resolver's
 * own grammar, `dnsPatternProblem`), at most {@link maxDnsPatterns} of them, and the record key.
 */
export function checkExecDnsRequest(req: { containerId: string; action: string; patterns: readonly string[]; recordKey: string }): DnsRule {
  checkContainerId(req.containerId);
  if (req.action !== "error" && req.action !== "random") throw invalid("action", `must be "error" or "random", got ${JSON.stringify(req.action.slice(0, 100))}`);
  if (req.patterns.length > maxDnsPatterns) throw invalid("patterns", `at most ${maxDnsPatterns} patterns, got ${req.patterns.length}`);
  req.patterns.forEach((pattern, i) => {
    const problem = dnsPatternProblem(pattern);
    if (problem !== undefined) throw invalid(`patterns[${i}]`, problem);
  });
  checkRecordKey(req.recordKey);
  return { recordKey: req.recordKey, containerId: req.containerId, action: req.action, patterns: [...req.patterns] };
}
