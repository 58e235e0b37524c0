import { defineChaosKind } from "@faultline/chaos-kind";
import { dnsChaosCrd } from "./dns-chaos-crd.js";
import { dnsChaosDaemon } from "./dns-chaos-daemon.js";
import { dnsChaosManager } from "./dns-chaos-manager.js";

/** DNSChaos: a lasting container kind whose Apply runs ExecDNSChaos on each target's daemon and whose Recover runs RecoverDNSChaos. */
export const dnsChaos = defineChaosKind({
  crd: dnsChaosCrd,
  oneShot: false,
  selectorKind: "container",
  manager: dnsChaosManager,
  daemon: dnsChaosDaemon,
});
