import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringList, type ChaosResourceOf } from "@faultline/api";
import { stressNgAllowedArgumentsPattern, stressNgAllowedOptions } from "./stress-ng-allowlist.js";
import { memorySizePattern, stressNgArgumentsPattern } from "./stress-ng-grammar.js";

const workers = (what: string) =>
  Type.Integer({ description: `Number of ${what} workers stress-ng starts (1–8192).`, minimum: 1, maximum: 8192, format: "int32" });

const options = Type.Unsafe<string[]>({
  ...stringList("Extra stress-ng arguments, appended as they are (each item may hold an option and its value, e.g. \"--cpu-method sqrt\"). Only the allowed stress-ng options (CPU and memory stressors, general control; see the StressChaos README) with their values: no shell metacharacters, no paths."),
  // bounded so that the allowlist rule's cost, which grows with maxItems × maxLength, stays within
  // the API server's budget also where the spec is embedded 64 times (Workflow templates, Schedule)
  items: { type: "string", maxLength: 64, pattern: stressNgArgumentsPattern },
  maxItems: 16,
});

// CEL: an argument string of allowed stress-ng options only, by their full names, each with a
// value of its grammar (the allowlist's one pattern, its backslashes doubled as a CEL string
// literal needs).
const allowedOptions = (expr: string) => `${expr}.matches('${stressNgAllowedArgumentsPattern.replaceAll("\\", "\\\\")}')`;
/** The CEL rules' message when an argument string holds anything the allowlist does not. */
export const stressNgAllowlistMessage = `may hold only these stress-ng options (by their full names), each with a valid value: ${Object.keys(stressNgAllowedOptions)
  .map((n) => `--${n}`)
  .join(", ")}`;
const optionsRule = { rule: `!has(self.options) || self.options.all(o, ${allowedOptions("o")})`, message: `each item ${stressNgAllowlistMessage}`, fieldPath: ".options" };

/**
 * The StressChaos CRD (`stresschaos.chaos-mesh.org`), Chaos Mesh's fields unchanged: `stressors`
 * (`cpu`, `memory`), `stressngStressors`, `containerNames`, `duration`. What Chaos Mesh's webhook
 * checked, and more, the API server checks here (schema and CEL, no webhook): at least one
 * stressor, workers 1–8192, load 0–100, a size of "N%" (0–100) or bytes with units, oomScoreAdj
 * −1000..1000, and stress-ng strings of allowed options with valid values only.
 */
export const stressChaosCrd = defineChaosCrd({
  kind: "StressChaos",
  description:
    "StressChaos runs stress-ng CPU and memory stressors inside each target container's cgroup and pid namespace for the duration, so they count against the container's own limits.",
  spec: Type.Object(
    {
      ...containerSelectorFields,
      stressors: Type.Optional(
        Type.Object(
          {
            memory: Type.Optional(
              Type.Object(
                {
                  workers: workers("memory"),
                  size: Type.Optional(
                    Type.String({
                      description:
                        "Memory to occupy in total: \"N%\" (0–100) of the container's memory limit (of the node's memory when the container has none), or bytes with an optional unit (\"256MB\" = 256·10⁶, \"1GiB\" = 2³⁰). Default: 100%.",
                      pattern: memorySizePattern,
                      maxLength: 32,
                    }),
                  ),
                  oomScoreAdj: Type.Optional(
                    Type.Integer({
                      description: "The stressor processes' oom_score_adj (−1000..1000; default 0). −1000 makes the kernel kill the container's own processes first when the stress reaches its limit.",
                      minimum: -1000,
                      maximum: 1000,
                      format: "int32",
                    }),
                  ),
                  options: Type.Optional(options),
                },
                {
                  description: "Memory stress: workers that together occupy `size` and keep it.",
                  "x-kubernetes-validations": [
                    {
                      rule: "!has(self.size) || !self.size.endsWith('%') || int(self.size.substring(0, self.size.size() - 1)) <= 100",
                      message: "a percentage size must be between 0% and 100%",
                      fieldPath: ".size",
                    },
                    optionsRule,
                  ],
                },
              ),
            ),
            cpu: Type.Optional(
              Type.Object(
                {
                  workers: workers("CPU"),
                  load: Type.Optional(
                    Type.Integer({ description: "Percent of one CPU each worker keeps busy (0–100; default 100).", minimum: 0, maximum: 100, format: "int32" }),
                  ),
                  options: Type.Optional(options),
                },
                {
                  description: "CPU stress: `workers` workers, each at `load` percent of one CPU.",
                  "x-kubernetes-validations": [
                    optionsRule,
                  ],
                },
              ),
            ),
          },
          {
            description: "The stressors to run; at least one of memory and cpu.",
            "x-kubernetes-validations": [
              { rule: "has(self.memory) || has(self.cpu)", message: "missing stressors: give stressors.cpu, stressors.memory, or stressngStressors", reason: "FieldValueRequired" },
            ],
          },
        ),
      ),
      stressngStressors: Type.Optional(
        Type.String({
          description:
            "A raw stress-ng argument string (e.g. \"--cpu 2 --cpu-load 50 --vm 1 --vm-bytes 64M\"); when set it wins over `stressors`. Only the allowed stress-ng options (CPU and memory stressors, general control) with their values: it is split on spaces, never given to a shell.",
          maxLength: 1024,
          pattern: stressNgArgumentsPattern,
        }),
      ),
      duration: Type.Optional(durationSchema),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which containers, what stress to run in them, and for how long.",
      "x-kubernetes-validations": [
        {
          rule: "(has(self.stressngStressors) && self.stressngStressors.trim() != '') || has(self.stressors)",
          message: "missing stressors: give stressors.cpu, stressors.memory, or stressngStressors",
          fieldPath: ".stressors",
          reason: "FieldValueRequired",
        },
        {
          rule: `!has(self.stressngStressors) || ${allowedOptions("self.stressngStressors")}`,
          message: stressNgAllowlistMessage,
          fieldPath: ".stressngStressors",
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
});

/** StressChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type StressChaos = ChaosResourceOf<typeof stressChaosCrd>;
/** The spec of a StressChaos. */
export type StressChaosSpec = StressChaos["spec"];
