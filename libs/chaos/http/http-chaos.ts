import { defineChaosKind } from "@faultline/chaos-kind";
import { httpChaosCrd } from "./http-chaos-crd.js";
import { httpChaosDaemon } from "./http-chaos-daemon.js";
import { httpChaosManager, missingHTTPCapabilities } from "./http-chaos-manager.js";

/**
 * HTTPChaos: a lasting pod kind. Apply has the node's daemon redirect the target pod's port, inside
 * its network namespace, to an HTTP proxy it runs there with the record's rule (ExecHTTPChaos, after
 * checking the node can, with the PEMs of `tls`'s Secret when set); Recover removes the record's rule
 * (RecoverHTTPChaos), and the redirect and proxy go with the pod's last one. The experiment lasts
 * `spec.duration`, or until it is deleted.
 */
export const httpChaos = defineChaosKind({
  crd: httpChaosCrd,
  oneShot: false,
  selectorKind: "pod",
  manager: (deps) => httpChaosManager({ decoder: deps.decoder, core: deps.core, log: deps.log, ...(deps.event ? { event: deps.event } : {}) }),
  daemon: httpChaosDaemon,
  nodeCapability: (caps) => {
    const missing = missingHTTPCapabilities(caps);
    return missing.length === 0 ? { capable: true } : { capable: false, reason: `lacks ${missing.join(", ")} (iptables with the nat table's REDIRECT target)` };
  },
});
