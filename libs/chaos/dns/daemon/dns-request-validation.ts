import { checkContainerId, checkRecordKey, invalid } from "../../pod-netns-process/pod-request-validation.js";
import { dnsPatternProblem } from "../resolver/dns-patterns.js";

/** The most patterns one record may carry. */
export const maxDnsPatterns = 1024;

/** The actions of DNSChaos. */
export type DnsAction = "error" | "random";

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
