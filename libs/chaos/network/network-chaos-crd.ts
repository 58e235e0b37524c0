import { Type } from "@sinclair/typebox";
import { defineChaosCrd, durationSchema, podSelectorFields, podSelectorSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";
import { deviceFieldPattern } from "./daemon/network-device-name.js";

/** NetworkChaos's actions, with Chaos Mesh's names. `netem` combines delay, loss, duplicate and corrupt. */
export const networkChaosActions = ["netem", "delay", "loss", "duplicate", "corrupt", "rate", "partition", "bandwidth"] as const;

/** Which way the fault acts between the selected pods and the targets. */
export const networkChaosDirections = ["to", "from", "both"] as const;

/** A float as Chaos Mesh's `FloatStr` reads it (Go ParseFloat), e.g. "25", "0.5", "1e1". */
const floatPattern = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$";

/** A percentage as a string ("25" = 25 %), 0 to 100, Chaos Mesh's FloatStr with a range. */
function percentString(description: string, defaultValue?: string) {
  return Type.String({
    description,
    pattern: floatPattern,
    maxLength: 32,
    ...(defaultValue !== undefined && { default: defaultValue }),
    "x-kubernetes-validations": [{ rule: "double(self) >= 0.0 && double(self) <= 100.0", message: "must be a percentage between 0 and 100" }],
  });
}

/** tc's latency: a number and a unit (Chaos Mesh's pattern). */
const latencyPattern = "^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)$";

/** A tc rate: an unsigned integer and one of Chaos Mesh's units (bps = bytes per second). */
export const ratePattern = "^[0-9]+(kbit|mbit|gbit|tbit|tbps|gbps|mbps|kbps|bps|bit)$";

const octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const ipv4 = `${octet}(\\.${octet}){3}`;
const ipv6 = "[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}";
const port = "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
const label = "[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?";
const hostname = `${label}(\\.${label})*\\.?`;
const ipv4Cidr = `${ipv4}(/([0-9]|[12][0-9]|3[0-2]))?`;
const ipv6Cidr = `${ipv6}(/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))?`;
/**
 * An external target: an IPv4 or IPv6 address or CIDR, or a host name (resolved by the manager), each
 * optionally with a port (`host:80`, `10.0.0.0/8:22`, `[2001:db8::1]:80`, `[2001:db8::/32]:80`); with
 * a port, only traffic to that port of those addresses is affected.
 */
export const externalTargetPattern =
  `^((${ipv4Cidr})|(${ipv6Cidr})|(${hostname})` +
  `|((${ipv4Cidr}|${hostname}):${port})|(\\[${ipv6Cidr}\\]:${port}))$`;

const correlation = (what: string) => percentString(`How much each ${what} decision depends on the previous one, in percent; default "0".`, "0");

const delaySpec = Type.Object(
  {
    latency: Type.String({ description: 'The delay added to each packet, e.g. "10ms".', pattern: latencyPattern }),
    correlation: Type.Optional(correlation("delay")),
    jitter: Type.Optional(Type.String({ description: 'Variation of the delay, e.g. "5ms"; default "0ms".', pattern: latencyPattern, default: "0ms" })),
    reorder: Type.Optional(
      Type.Object(
        {
          reorder: percentString("The share of packets sent at once (not delayed), in percent."),
          correlation: Type.Optional(correlation("reorder")),
          gap: Type.Integer({ description: "Every gap-th packet is the one sent at once.", minimum: 0 }),
        },
        { description: "Reordering: some packets skip the delay." },
      ),
    ),
  },
  { description: "delay: latency, jitter, correlation and reordering of each packet." },
);

const probabilitySpec = (field: "loss" | "duplicate" | "corrupt", what: string) =>
  Type.Object(
    { [field]: percentString(`The share of packets ${what}, in percent ("25" = 25 %).`), correlation: Type.Optional(correlation(field)) },
    { description: `${field}: the share of packets ${what}.` },
  );

const bandwidthSpec = Type.Object(
  {
    rate: Type.String({ description: 'The rate, e.g. "1mbps" (bytes per second) or "8mbit" (bits).', pattern: ratePattern }),
    limit: Type.Integer({ description: "Bytes that may wait in the queue.", minimum: 1, format: "int32" }),
    buffer: Type.Integer({ description: "The bucket size in bytes (tbf burst).", minimum: 1, format: "int32" }),
    peakrate: Type.Optional(Type.Integer({ description: "Maximum rate at which the bucket empties, bytes per second (with minburst).", minimum: 0, format: "int64" })),
    minburst: Type.Optional(Type.Integer({ description: "The size of the peakrate bucket in bytes (with peakrate).", minimum: 0, format: "int32" })),
  },
  { description: "bandwidth: a token bucket (tbf) limits the rate." },
);

const tcActions = "['netem','delay','loss','duplicate','corrupt','rate','bandwidth']";

/**
 * The NetworkChaos CRD (`networkchaos.chaos-mesh.org`), Chaos Mesh's fields and defaults unchanged.
 * What Chaos Mesh's webhook checked — and what it let through — the API server checks here at
 * admission: the action's own sub-spec is present, percentages and correlations are floats in
 * [0, 100], latencies, rates and durations are well formed, `from`/`both` of a tc action need a
 * `target` and no `externalTargets`, external targets are addresses, CIDRs or host names (each
 * optionally with a port), and `device`/`targetDevice` are interface names in the daemon's own
 * grammar (`deviceFieldPattern`).
 */
export const networkChaosCrd = defineChaosCrd({
  kind: "NetworkChaos",
  description:
    "NetworkChaos disturbs the network of the selected pods: delay, loss, duplicate, corrupt, rate, bandwidth (tc) or partition (iptables), toward all traffic, other pods (target) or external addresses.",
  spec: Type.Object(
    {
      ...podSelectorFields,
      action: stringEnum(networkChaosActions, "netem, delay, loss, duplicate, corrupt, rate and bandwidth shape egress traffic; partition drops it."),
      device: Type.Optional(
        Type.String({
          description: 'The network interface in the selected pods; default "eth0" (anything from "@" on is ignored: "eth0@if12").',
          pattern: deviceFieldPattern,
          maxLength: 31,
        }),
      ),
      duration: Type.Optional(durationSchema),
      delay: Type.Optional(delaySpec),
      loss: Type.Optional(probabilitySpec("loss", "dropped")),
      duplicate: Type.Optional(probabilitySpec("duplicate", "duplicated")),
      corrupt: Type.Optional(probabilitySpec("corrupt", "corrupted")),
      bandwidth: Type.Optional(bandwidthSpec),
      rate: Type.Optional(
        Type.Object({ rate: Type.String({ description: 'The rate, e.g. "1mbps".', pattern: ratePattern }) }, { description: "rate: netem's rate limit." }),
      ),
      direction: Type.Optional(
        Type.Unsafe<NetworkChaosDirection>({
          type: "string",
          description: "to: traffic from the selected pods to the targets (the default); from: from the targets; both.",
          enum: [...networkChaosDirections],
          default: "to",
        }),
      ),
      target: Type.Optional(
        Type.Object(podSelectorFields, { description: `${podSelectorSchema.description} The other end: only traffic between the selected pods and these is affected.` }),
      ),
      targetDevice: Type.Optional(
        Type.String({ description: "The network interface in the target pods for from and both; default eth0.", pattern: deviceFieldPattern, maxLength: 31 }),
      ),
      externalTargets: Type.Optional(
        Type.Array(Type.String({ pattern: externalTargetPattern, maxLength: 261 }), {
          description: "Addresses outside the cluster: IPs, CIDRs or host names, each optionally with a port that restricts it (1.1.1.1:80, 10.0.0.0/8:22, [2001:db8::/32]:443).",
        }),
      ),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which pods, what to do to their network, toward which other end, and for how long.",
      "x-kubernetes-validations": [
        ...(["delay", "loss", "duplicate", "corrupt", "bandwidth", "rate"] as const).map((action) => ({
          rule: `self.action != '${action}' || has(self.${action})`,
          message: `action ${action} needs spec.${action}`,
          fieldPath: `.${action}`,
          reason: "FieldValueRequired",
        })),
        {
          rule: "self.action != 'netem' || has(self.delay) || has(self.loss) || has(self.duplicate) || has(self.corrupt) || has(self.rate)",
          message: "action netem needs at least one of spec.delay, spec.loss, spec.duplicate, spec.corrupt, spec.rate",
          reason: "FieldValueRequired",
        },
        {
          rule: `!(self.action in ${tcActions}) || !has(self.direction) || self.direction == 'to' || has(self.target)`,
          message: "`from` and `both` direction cannot be used when target is empty",
          fieldPath: ".direction",
          reason: "FieldValueInvalid",
        },
        {
          rule: `!(self.action in ${tcActions}) || !has(self.direction) || self.direction == 'to' || !has(self.externalTargets) || size(self.externalTargets) == 0`,
          message: "external targets cannot be used with `from` and `both` direction of a tc action (it shapes the targets' egress, and external hosts have none here)",
          fieldPath: ".externalTargets",
          reason: "FieldValueForbidden",
        },
        {
          rule: "!has(self.remoteCluster) || self.remoteCluster == ''",
          message: "remote clusters are not supported: Faultline acts on the cluster it runs in",
          fieldPath: ".remoteCluster",
          reason: "FieldValueForbidden",
        },
      ],
    },
  ),
  printerColumns: [
    { name: "action", type: "string", jsonPath: ".spec.action" },
    { name: "direction", type: "string", jsonPath: ".spec.direction" },
  ],
});

/** NetworkChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type NetworkChaos = ChaosResourceOf<typeof networkChaosCrd>;
/** The spec of a NetworkChaos. */
export type NetworkChaosSpec = NetworkChaos["spec"];
/** One of NetworkChaos's actions. */
export type NetworkChaosAction = NetworkChaosSpec["action"];
/** to, from or both. */
export type NetworkChaosDirection = (typeof networkChaosDirections)[number];
