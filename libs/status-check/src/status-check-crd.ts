import { Type, type Static } from "@sinclair/typebox";
import {
  defineResourceCrd,
  goDurationPattern,
  mapOf,
  toOpenApiSchema,
  type CustomResourceDefinition,
  type OpenApiSchema,
  type PrinterColumn,
} from "@faultline/api";

/** `spec.mode`: Synchronous ends at the first threshold crossed; Continuous probes until `duration` or failure. */
export const statusCheckModes = ["Synchronous", "Continuous"] as const;
/** `spec.type`: HTTP is the only kind of check Chaos Mesh has. */
export const statusCheckTypes = ["HTTP"] as const;
/** `spec.http.method`. */
export const httpMethods = ["GET", "POST"] as const;

/** The format of `criteria.statusCode`: one code ("200") or an inclusive range ("200-399"). */
export const statusCodeCriteriaPattern = "^[0-9]{1,3}(-[0-9]{1,3})?$";

// CEL over the criteria string (at most 7 characters, so each rule costs next to nothing): the codes
// before and after the dash, as integers.
const low = "int(self.split('-')[0])";
const high = "int(self.split('-')[self.split('-').size() - 1])";

/** One of `values` (an `enum`), `fallback` when absent (a schema `default`, applied by the API server). */
const enumWithDefault = <const V extends readonly string[]>(values: V, fallback: V[number], description: string) =>
  Type.Unsafe<V[number]>({ type: "string", description, enum: [...values], default: fallback });

const seconds = (description: string, defaultValue: number, maximum: number) =>
  Type.Integer({ description, minimum: 1, maximum, default: defaultValue, format: "int32" });

// a field of the spec in CEL, or its default when absent (the API server applies defaults first, so
// absence is rare; the guard keeps the rule from failing on a missing key)
const orDefault = (field: string, fallback: number) => `(has(self.${field}) ? self.${field} : ${fallback})`;

const httpSchema = Type.Object(
  {
    url: Type.String({
      description: "The URL to request; http or https only. The manager makes the request, from its own pod's network.",
      maxLength: 2048,
      "x-kubernetes-validations": [
        {
          rule: "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''",
          message: "must be an absolute http:// or https:// URL with a host",
        },
      ],
    }),
    method: Type.Optional(enumWithDefault(httpMethods, "GET", "GET (default) or POST.")),
    headers: Type.Optional(
      mapOf(
        Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 16 }),
        "Request headers, as Go's http.Header: each name maps to a list of values.",
      ),
    ),
    body: Type.Optional(Type.String({ description: "The request body (sent with POST; a GET sends none).", maxLength: 65_536 })),
    criteria: Type.Object(
      {
        statusCode: Type.String({
          description: 'The status codes that count as a success: one code ("200") or an inclusive range ("200-399"), codes 1–999.',
          maxLength: 7,
          "x-kubernetes-validations": [
            {
              rule: `self.matches('${statusCodeCriteriaPattern}')`,
              message: 'must be a status code such as "200" or an inclusive range such as "200-399"',
            },
            {
              rule: `!self.matches('${statusCodeCriteriaPattern}') || (${low} >= 1 && ${high} >= 1 && ${low} <= ${high})`,
              message: "status codes must be between 1 and 999, and a range must not end below its start",
            },
          ],
        }),
      },
      { description: "How a response is judged: by its status code." },
    ),
  },
  { description: "The HTTP request to make and how to judge its response." },
);

/**
 * The spec of a StatusCheck as a TypeBox schema (its TypeScript type is {@link StatusCheckSpec}):
 * Chaos Mesh's fields and defaults, with its webhook's checks as CEL rules.
 */
export const statusCheckSpecTypeBox = Type.Object(
  {
    mode: Type.Optional(
      enumWithDefault(
        statusCheckModes,
        "Synchronous",
        "Synchronous (default): done when the success or the failure threshold is reached. Continuous: probes until `duration` passes or the failure threshold is reached.",
      ),
    ),
    type: Type.Optional(enumWithDefault(statusCheckTypes, "HTTP", "The kind of check; HTTP, the only one.")),
    duration: Type.Optional(
      Type.String({
        description: 'How long the whole check may run, as a Go duration ("5m"); when it passes, the check is complete. Absent: no limit.',
        pattern: goDurationPattern,
        maxLength: 64,
      }),
    ),
    timeoutSeconds: Type.Optional(seconds("Seconds one probe may take before it counts as a failure (default 1, at most 60).", 1, 60)),
    intervalSeconds: Type.Optional(seconds("Seconds between the starts of two probes (default 10, at most a day).", 10, 86_400)),
    failureThreshold: Type.Optional(
      Type.Integer({ description: "Consecutive failures that make the check fail (default 3).", minimum: 1, maximum: 1000, default: 3, format: "int32" }),
    ),
    successThreshold: Type.Optional(
      Type.Integer({
        description: "Consecutive successes that make the check succeed (default 1); in Synchronous mode this completes it.",
        minimum: 1,
        maximum: 1000,
        default: 1,
        format: "int32",
      }),
    ),
    recordsHistoryLimit: Type.Optional(
      Type.Integer({ description: "How many probe records status keeps, newest last (default 100, 1–1000).", minimum: 1, maximum: 1000, default: 100, format: "int32" }),
    ),
    http: Type.Optional(httpSchema),
  },
  {
    description: "What to probe, how often, and when the check is done.",
    "x-kubernetes-validations": [
      { rule: "has(self.http)", message: "the http check is required: give http.url and http.criteria.statusCode", fieldPath: ".http", reason: "FieldValueRequired" },
      {
        rule: `${orDefault("recordsHistoryLimit", 100)} >= ${orDefault("failureThreshold", 3)} && ${orDefault("recordsHistoryLimit", 100)} >= ${orDefault("successThreshold", 1)}`,
        message: "recordsHistoryLimit must be at least failureThreshold and successThreshold: the thresholds count consecutive outcomes among the kept records",
        fieldPath: ".recordsHistoryLimit",
      },
    ],
  },
);

/** The spec of a StatusCheck, as the API server stores it (defaults applied where it has them). */
export type StatusCheckSpec = Static<typeof statusCheckSpecTypeBox>;
/** `spec.http` of a StatusCheck. */
export type HttpStatusCheck = NonNullable<StatusCheckSpec["http"]>;
export type StatusCheckMode = (typeof statusCheckModes)[number];

/**
 * The spec of a StatusCheck as the OpenAPI schema a CRD carries, for what embeds one (a Workflow's
 * StatusCheck template, `statusCheck: {...}`).
 */
export const statusCheckSpecSchema: OpenApiSchema = toOpenApiSchema(statusCheckSpecTypeBox, "spec");

const time = (description: string): OpenApiSchema => ({ type: "string", format: "date-time", description });

/** The schema of a StatusCheck's status (Chaos Mesh's fields), written by the controller only. */
export const statusCheckStatusSchema: OpenApiSchema = {
  type: "object",
  description: "What the probes found so far.",
  properties: {
    startTime: time("When the check started."),
    completionTime: time("When the check completed."),
    count: { type: "integer", format: "int64", description: "How many probes ran in total." },
    conditions: {
      type: "array",
      description: "Completed, DurationExceed, FailureThresholdExceed, SuccessThresholdExceed.",
      maxItems: 8,
      items: {
        type: "object",
        required: ["type", "status"],
        properties: {
          type: { type: "string", enum: ["Completed", "DurationExceed", "FailureThresholdExceed", "SuccessThresholdExceed"] },
          status: { type: "string", enum: ["True", "False", "Unknown"] },
          reason: { type: "string" },
          lastProbeTime: time("When the condition was last evaluated."),
          lastTransitionTime: time("When the condition's status last changed."),
        },
      },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    },
    records: {
      type: "array",
      description: "The latest probes, oldest first, at most spec.recordsHistoryLimit.",
      maxItems: 1000,
      items: {
        type: "object",
        required: ["startTime", "outcome"],
        properties: {
          startTime: time("When the probe started."),
          outcome: { type: "string", enum: ["Success", "Failure"] },
        },
      },
    },
  },
};

/** The columns `kubectl get statuschecks` prints. */
export const statusCheckPrinterColumns: readonly PrinterColumn[] = [
  { name: "mode", type: "string", jsonPath: ".spec.mode" },
  { name: "url", type: "string", jsonPath: ".spec.http.url" },
  { name: "count", type: "integer", jsonPath: ".status.count" },
  { name: "last", type: "string", jsonPath: ".status.records[-1:].outcome", description: "The latest probe's outcome." },
  { name: "completed", type: "string", jsonPath: '.status.conditions[?(@.type=="Completed")].reason', description: "Why the check completed, once it has." },
  { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/**
 * The StatusCheck CRD (`statuschecks.chaos-mesh.org`, chaos-mesh.org/v1alpha1, namespaced, with a
 * status subresource), for the CRD generator and the chart.
 *
 * @example
 * writeFileSync("statuschecks.yaml", renderYaml(statusCheckCrd()));
 */
export function statusCheckCrd(): CustomResourceDefinition {
  return defineResourceCrd({
    kind: "StatusCheck",
    description:
      "StatusCheck probes a URL at an interval and judges the system's steady state by the status codes, with failure and success thresholds; a Workflow can abort on its failure.",
    spec: statusCheckSpecSchema,
    status: statusCheckStatusSchema,
    printerColumns: [...statusCheckPrinterColumns],
  });
}
