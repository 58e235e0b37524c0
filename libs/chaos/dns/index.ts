// @faultline/chaos/dns — DNSChaos.
// Manager side: Apply calls ExecDNSChaos on each target's daemon, Recover RecoverDNSChaos (lasts spec.duration).
// Daemon side: ExecDNSChaos and RecoverDNSChaos run the kind's commands in the target container's namespaces.
export { dnsChaos } from "./dns-chaos.js";
export { dnsChaosCrd } from "./dns-chaos-crd.js";
export type { DNSChaos, DNSChaosSpec } from "./dns-chaos-crd.js";
export { dnsChaosManager } from "./dns-chaos-manager.js";
export { dnsChaosDaemon, dnsCommand, dnsNamespaces, dnsRecoverCommand } from "./dns-chaos-daemon.js";
