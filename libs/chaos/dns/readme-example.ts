import { dnsPatternProblem, dnsPatternsMatch, dnsRequestOf, type DNSChaosSpec } from "@faultline/chaos/dns";
import { heldRecordKey } from "@faultline/chaos/held-injections";

/**
 * Chaos Mesh's dns-chaos-example, followed through: what the manager sends for one record, which
 * lookups its patterns catch, and a pattern that admission (and the daemon) refuses.
 */
export function followDnsChaosExample() {
  const spec: DNSChaosSpec = { action: "random", mode: "all", patterns: ["google.com", "chaos-mesh.*", "github.?om"], selector: { namespaces: ["busybox"] } };

  // manager: the spec's fields, and the key the daemon holds this record's patterns under
  const sent = dnsRequestOf(spec);
  const recordKey = heldRecordKey("2f0c1e7a-uid", "busybox/busybox-0/busybox");

  // resolver: the names whose A/AAAA lookups get a random address; every other name is forwarded
  const names = ["google.com", "www.google.com", "chaos-mesh.org", "github.com", "gitlab.com"];
  const caught = names.filter((name) => dnsPatternsMatch(sent.patterns, name));

  // and a '*' that is not last, refused before anything runs
  const refused = dnsPatternProblem("*.google.com");
  return { sent, recordKey, caught, refused };
}
