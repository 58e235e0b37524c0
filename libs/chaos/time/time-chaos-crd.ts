import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";
import { defaultTimeChaosClockIds, maxTimeOffsetSeconds, signedGoDurationRegexSource, timeChaosClockIds } from "./time-offset.js";

/** The longest `timeOffset` admitted: bounds the CEL rules' cost (it grows with the string's length). */
export const timeOffsetMaxLength = 64;

const celString = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
const durationRegex = celString(signedGoDurationRegexSource);
/** One number-unit part of a Go duration, for the bound rule. */
const partRegex = celString("([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");
// a part's unit in seconds (the longest suffix first: "ms" and "ns" end with "s")
const unitSeconds =
  "(p.endsWith('ns') ? 0.000000001 : p.endsWith('us') || p.endsWith('\u00b5s') || p.endsWith('\u03bcs') ? 0.000001 : p.endsWith('ms') ? 0.001 : p.endsWith('s') ? 1.0 : p.endsWith('m') ? 60.0 : 3600.0)";

/** What the syntax rule says after naming the field. */
export const timeOffsetSyntaxMessage = 'must be a Go duration, negative allowed, such as "-10m", "1h30m" or "100ms"';
/** What the bound rule says. */
export const timeOffsetBoundMessage = `must be at most ${maxTimeOffsetSeconds} seconds (about 317 years) either way`;

/**
 * The CEL rules on `spec.timeOffset`: a signed Go duration (the syntax rule), and its size at most
 * 10^10 s (the bound rule: the parts' seconds summed; it judges only what the syntax rule admits).
 */
export const timeOffsetRules = [
  { rule: `self.matches(${durationRegex})`, messageExpression: `'"' + self + '" ${timeOffsetSyntaxMessage.replaceAll("'", "\\'")}'`, reason: "FieldValueInvalid" },
  {
    rule: `!self.matches(${durationRegex}) || self.findAll(${partRegex}).map(p, double(p.find('^[0-9.]+')) * ${unitSeconds}).sum() <= ${maxTimeOffsetSeconds}.0`,
    messageExpression: `'"' + self + '" ${timeOffsetBoundMessage}'`,
    reason: "FieldValueInvalid",
  },
];

/**
 * The TimeChaos CRD (`timechaos.chaos-mesh.org`), Chaos Mesh's fields unchanged: `timeOffset` (a
 * Go duration, negative allowed), `clockIds` (default CLOCK_REALTIME), the container selector,
 * `duration`. The API server checks at admission (schema and CEL, no webhook) that the offset is a
 * Go duration of at most 10^10 s and that every clock id is known, naming the field.
 */
export const timeChaosCrd = defineChaosCrd({
  kind: "TimeChaos",
  description:
    "TimeChaos shifts the clocks the target containers' processes read (clock_gettime, gettimeofday and time through the vDSO) by timeOffset, without restarting them; processes started in the container later are shifted too. The node's daemon patches each process's vDSO; recovery restores its original code.",
  spec: Type.Object(
    {
      ...containerSelectorFields,
      timeOffset: Type.Unsafe<string>({
        type: "string",
        description:
          'How far the clocks are shifted, as a Go duration, negative for the past: "-10m", "1h30m", "100ms", "-1.5h". At most 10^10 seconds either way. Several TimeChaos on one container add up per clock.',
        maxLength: timeOffsetMaxLength,
        "x-kubernetes-validations": timeOffsetRules,
      }),
      clockIds: Type.Optional(
        Type.Array(
          stringEnum(
            timeChaosClockIds,
            "A clock, by its Linux name: CLOCK_REALTIME (wall time, also what gettimeofday and time read), CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM.",
          ),
          { description: "The clocks shifted; default [CLOCK_REALTIME].", default: [...defaultTimeChaosClockIds], maxItems: 16 },
        ),
      ),
      duration: Type.Optional(durationSchema),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which containers, how far their clocks move and which clocks, and for how long.",
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

/** TimeChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type TimeChaos = ChaosResourceOf<typeof timeChaosCrd>;
/** The spec of a TimeChaos: a ContainerSelector inline, an optional duration, `timeOffset` and `clockIds`. */
export type TimeChaosSpec = TimeChaos["spec"];
