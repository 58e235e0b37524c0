import { defineChaosKind } from "@faultline/chaos-kind";
import { dnsChaosCrd } from "./dns-chaos-crd.js";
import { dnsChaosDaemon } from "./dns-chaos-daemon.js";
import { dnsChaosManager, missingDNSCapabilities } from "./dns-chaos-manager.js";

/**
 * DNSChaos: a lasting container kind. Apply has the node's daemon intercept the target pod's DNS
 * inside its network namespace (ExecDNSChaos, after checking the node can), answering names that
 * match the patterns with SERVFAIL (`error`) or a random address (`random`); Recover removes the
 * record's patterns (RecoverDNSChaos). The experiment lasts `spec.duration`, or until it is deleted.
 */
export const dnsChaos = defineChaosKind({
  crd: dnsChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: dnsChaosManager,
  daemon: dnsChaosDaemon,
  nodeCapability: (caps) => {
    const missing = missingDNSCapabilities(caps);
    return missing.length === 0 ? { capable: true } : { capable: false, reason: `lacks ${missing.join(", ")} (iptables with the nat table's REDIRECT target and the owner match)` };
  },
});
