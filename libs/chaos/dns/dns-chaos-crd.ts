import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";
import { dnsPatternMaxLength, dnsPatternRegexSource } from "./resolver/dns-patterns.js";

/** DNSChaos's actions, with Chaos Mesh's names. */
export const dnsChaosActions = ["error", "random"] as const;
/** A DNSChaos action: `error` (SERVFAIL) or `random` (a random address). */
export type DNSChaosAction = (typeof dnsChaosActions)[number];

/** The most patterns one DNSChaos holds: bounds the CEL rule's cost (it grows with items × length). */
export const dnsPatternsMaxItems = 64;

const celString = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
/** The pattern grammar as a CEL string; it is anchored (`^…$`), as CEL's `matches` needs: it finds a match anywhere otherwise. */
const patternRegex = celString(dnsPatternRegexSource);
/** What the CEL rule says after naming the offending pattern. */
export const dnsPatternGrammarMessage =
  "is not a domain pattern: labels of letters, digits, '-' and '_' (at most 63 characters) between single dots, '?' for one character, '*' only as the last character";

/**
 * The CEL rule on `spec.patterns`: every item is a domain pattern; the message names the first one
 * that is not (H1's `dnsPatternRegexSource`, the grammar the resolver matches with).
 */
export const dnsPatternsRule = {
  rule: `self.all(p, p.matches(${patternRegex}))`,
  messageExpression: `'"' + self.filter(p, !p.matches(${patternRegex}))[0] + '" ${dnsPatternGrammarMessage.replaceAll("'", "\\'")}'`,
  reason: "FieldValueInvalid",
};

/**
 * The DNSChaos CRD (`dnschaos.chaos-mesh.org`), Chaos Mesh's fields unchanged: `action` (`error`,
 * `random`), `patterns`, the container selector, `duration`. The API server checks at admission
 * (schema and CEL, no webhook) that the action is one of the two and that every pattern is a domain
 * pattern, naming the one that is not.
 */
export const dnsChaosCrd = defineChaosCrd({
  kind: "DNSChaos",
  description:
    "DNSChaos makes name lookups of the target pods fail (error: SERVFAIL) or return wrong addresses (random), for the names matching its patterns. The node's daemon intercepts the pod's DNS traffic (UDP and TCP port 53) inside the pod's own network namespace and forwards every other lookup to the pod's own nameservers unchanged; nothing is written into the container and the cluster's DNS is not touched.",
  spec: Type.Object(
    {
      ...containerSelectorFields,
      action: stringEnum(
        dnsChaosActions,
        "error: a lookup of a matching name is answered SERVFAIL (the resolver reports a server failure). random: an A or AAAA lookup of a matching name is answered with one random global unicast address of that type (TTL 5 s), not the real one; its other query types are forwarded. Names that match no pattern are forwarded to the pod's own nameservers and answered as before. When two DNSChaos on one pod match the same name, error wins.",
      ),
      patterns: Type.Optional(
        Type.Unsafe<string[]>({
          type: "array",
          description:
            "Domain name patterns the action applies to, e.g. \"google.com\", \"chaos-mesh.*\", \"github.?om\": '?' stands for one character, a trailing '*' for any rest. A pattern matches the queried name itself (no subdomains unless the '*' covers them). Empty or absent: every name.",
          items: { type: "string", maxLength: dnsPatternMaxLength },
          maxItems: dnsPatternsMaxItems,
          "x-kubernetes-validations": [dnsPatternsRule],
        }),
      ),
      duration: Type.Optional(durationSchema),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which containers' pods, which names, what happens to their lookups, and for how long.",
      "x-kubernetes-validations": [
        {
          rule: "!has(self.remoteCluster) || self.remoteCluster == ''",
          message: "remote clusters are not supported: Faultline acts on the cluster it runs in",
          fieldPath: ".remoteCluster",
          reason: "FieldValueForbidden",
        },
      ],
    },
  ),
});

/** DNSChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type DNSChaos = ChaosResourceOf<typeof dnsChaosCrd>;
/** The spec of a DNSChaos: a ContainerSelector inline, an optional duration, `action` and `patterns`. */
export type DNSChaosSpec = DNSChaos["spec"];
