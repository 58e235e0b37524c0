// @faultline/chaos/dns — DNSChaos: failing or wrong name lookups for chosen pods, without touching
// the cluster's DNS or the container's files.
// Manager side: Apply checks the node can intercept DNS, then sends ExecDNSChaos with the record's
// key; Recover sends RecoverDNSChaos; lost injections and the sweep read ListDNSChaos.
// Daemon side: the pod's port 53 redirected, inside its network namespace, to a resolver the daemon
// runs for it, which answers matching names with the action and forwards the rest.
export { dnsChaos } from "./dns-chaos.js";
export { dnsChaosActions, dnsChaosCrd, dnsPatternGrammarMessage, dnsPatternsMaxItems, dnsPatternsRule } from "./dns-chaos-crd.js";
export type { DNSChaos, DNSChaosAction, DNSChaosSpec } from "./dns-chaos-crd.js";
export { NodeCannotInterceptDNSError, dnsChaosManager, dnsInterceptionCapability, dnsRequestOf, execDNSChaosRequestOf, missingDNSCapabilities } from "./dns-chaos-manager.js";
export { execDNSChaosCommands } from "./dns-chaos-plan.js";
export type { DNSInjectionCommands } from "./dns-chaos-plan.js";
export { dnsPatternMatches, dnsPatternMaxLength, dnsPatternProblem, dnsPatternRegexSource, dnsPatternsMatch } from "./resolver/dns-patterns.js";
export { createDnsChaosDaemon, dnsChaosDaemon } from "./dns-chaos-daemon.js";
export type { DnsChaosDaemon, DnsChaosDaemonOptions } from "./dns-chaos-daemon.js";
