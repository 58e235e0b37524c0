import { defineResourceCrd, goDurationPattern, toOpenApiSchema, type CelValidationRule, type CustomResourceDefinition, type OpenApiSchema } from "@faultline/api";
import { embeddedChaos, type ChaosKindDefinition } from "@faultline/chaos-kind";

/**
 * How many children a Schedule keeps when `historyLimit` is omitted. Chaos Mesh keeps none then
 * (its garbage collector deletes every finished child at once); Faultline keeps the last five.
 */
export const defaultHistoryLimit = 5;

/** `type: Workflow`: a Schedule that spawns Workflows (`workflow: {...}`). */
export const workflowScheduleType = "Workflow";

/** The longest `schedule` the API server accepts (bounds the cost of its CEL check). */
export const maxScheduleLength = 256;

// What admission can check of robfig's grammar: the shape of each field (numbers, three-letter
// names, "*", "?", ranges, steps, lists), five or six of them, the descriptors, "@every <Go
// duration>", and a CRON_TZ=/TZ= prefix. Value ranges (minute ≤ 59, …), names and the zone are
// the controller's to check: it reports them as a Warning event and the Ready condition.
const atom = "([0-9]+|[A-Za-z]{3})";
const element = `(\\*|\\?|${atom}(-${atom})?)(/[0-9]+)?`;
const field = `${element}(,${element})*`;
const cronFields = `\\s*${field}(\\s+${field}){4,5}\\s*`;
const descriptor = "@(yearly|annually|monthly|weekly|daily|midnight|hourly)";
const every = `@every [+-]?${goDurationPattern.slice(1, -1)}`;
const timeZonePrefix = "((CRON_)?TZ=[A-Za-z0-9_+/-]+\\s+)?";

/** The RE2 pattern a `schedule` must match at admission (ECMAScript-compatible too). */
export const schedulePattern = `^${timeZonePrefix}(${descriptor}|${every}|${cronFields})$`;

const celString = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

// "@every <d>" with d under a second: CEL's duration() reads Go durations, and runs only on a
// schedule whose syntax the rule above accepts (so it never sees a malformed duration)
const everyPrefix = `^${timeZonePrefix}@every `;
const everyAtLeastOneSecondRule =
  `!self.matches(${celString(everyPrefix)}) || !self.matches(${celString(schedulePattern)}) || ` +
  `duration(self.substring(self.indexOf('@every ') + 7)) >= duration('1s')`;

/** The message of an `@every` under one second, refused at admission (robfig would run it every second). */
export const everyTooShortMessage = "parse schedule field error: @every needs a delay of at least 1s";

/** The message of a `schedule` refused at admission. */
export const scheduleSyntaxMessage =
  "parse schedule field error: expected 5 or 6 cron fields (seconds first when 6), a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly) or @every <Go duration>, optionally after CRON_TZ=<zone>";

function scheduleFields(types: readonly string[]): { [name: string]: OpenApiSchema } {
  return {
    schedule: {
      type: "string",
      description:
        'When runs are due: a cron with 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), a descriptor (@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually) or "@every <Go duration>", optionally after "CRON_TZ=<IANA zone> " (default UTC).',
      maxLength: maxScheduleLength,
      "x-kubernetes-validations": [
        { rule: `self.matches(${celString(schedulePattern)})`, message: scheduleSyntaxMessage },
        { rule: everyAtLeastOneSecondRule, message: everyTooShortMessage },
      ],
    },
    startingDeadlineSeconds: {
      type: "integer",
      format: "int64",
      description: "A run more than this many seconds late is skipped (event MissedSchedule); missed runs are looked for only this far back. Absent: no deadline.",
      minimum: 1,
      nullable: true,
    },
    concurrencyPolicy: {
      type: "string",
      description: "Forbid (default): no run starts while an earlier one is unfinished (event ScheduleForbid). Allow: runs may overlap.",
      enum: ["Forbid", "Allow"],
      default: "Forbid",
    },
    historyLimit: {
      type: "integer",
      description: `How many spawned objects are kept; the oldest finished ones beyond it are deleted. Default ${defaultHistoryLimit} (Chaos Mesh keeps none when it is omitted).`,
      minimum: 1,
      default: defaultHistoryLimit,
    },
    type: {
      type: "string",
      description: `What each run creates: a chaos kind (its spec in the field named after it in lowerCamel, e.g. podChaos)${types.includes(workflowScheduleType) ? ", or Workflow (spec in workflow)" : ""}.`,
      enum: [...types],
    },
  };
}

// One rule per embedded field: present exactly when `type` names it.
function embeddedFieldRule(kind: string, fieldName: string): CelValidationRule {
  return {
    rule: `has(self.${fieldName}) == (self.type == '${kind}')`,
    messageExpression: `self.type == '${kind}' ? 'missing chaos spec ${fieldName}: type ${kind} needs it' : '${fieldName} must not be set when type is ' + self.type + ': give only the spec of the chosen type'`,
    fieldPath: `.${fieldName}`,
  };
}

function scheduleSpecSchema(kinds: readonly ChaosKindDefinition[], workflowSpec: OpenApiSchema | undefined, description: string): OpenApiSchema {
  const embedded = embeddedChaos(kinds);
  const types = [...embedded.map((e) => e.kind), ...(workflowSpec ? [workflowScheduleType] : [])];
  const properties: { [name: string]: OpenApiSchema } = scheduleFields(types);
  const rules: CelValidationRule[] = [];
  for (const e of embedded) {
    properties[e.field] = { ...e.spec, description: `The ${e.kind} each run creates (type: ${e.kind}).` };
    rules.push(embeddedFieldRule(e.kind, e.field));
  }
  if (workflowSpec) {
    properties["workflow"] = { ...workflowSpec, description: "The Workflow each run creates (type: Workflow)." };
    rules.push({ ...embeddedFieldRule(workflowScheduleType, "workflow"), messageExpression: `self.type == 'Workflow' ? 'missing workflow spec: type Workflow needs it' : 'workflow must not be set when type is ' + self.type` });
  }
  return toOpenApiSchema(
    { type: "object", description, required: ["schedule", "type"], properties, "x-kubernetes-validations": rules },
    "spec",
  );
}

/**
 * Chaos Mesh's ChaosOnlyScheduleSpec for a list of kinds: what a Workflow's Schedule template
 * embeds (`schedule: {...}`), the Schedule's fields without `workflow`.
 *
 * @example
 * const scheduleSpec = chaosOnlyScheduleSpecSchema(builtInChaosKinds); // for the Workflow CRD
 */
export function chaosOnlyScheduleSpecSchema(kinds: readonly ChaosKindDefinition[]): OpenApiSchema {
  return scheduleSpecSchema(kinds, undefined, "A schedule of chaos: the cron, its policies, and the chaos each run creates.");
}

const conditionSchema: OpenApiSchema = {
  type: "object",
  required: ["type", "status"],
  properties: {
    type: { type: "string" },
    status: { type: "string" },
    reason: { type: "string" },
    message: { type: "string" },
    lastTransitionTime: { type: "string", format: "date-time" },
  },
};

const statusSchema: OpenApiSchema = {
  type: "object",
  description: "What the controller last did.",
  properties: {
    active: {
      type: "array",
      description: "The spawned objects that are not finished.",
      items: {
        type: "object",
        properties: Object.fromEntries(["apiVersion", "kind", "name", "namespace", "uid", "resourceVersion", "fieldPath"].map((name) => [name, { type: "string" }])),
      },
    },
    time: { type: "string", format: "date-time", description: "The slot of the last run (Chaos Mesh's lastScheduleTime)." },
    nextTime: { type: "string", format: "date-time", description: "Faultline's addition: the slot of the next run." },
    conditions: {
      type: "array",
      description: "Faultline's addition: Ready (False with reason InvalidSchedule or TooManyMissedStartTimes when the cron cannot run) and Paused.",
      items: conditionSchema,
    },
  },
};

/** Options of {@link scheduleCrd}. */
export interface ScheduleCrdOptions {
  /** The Workflow spec schema (from the workflow library); given, `type: Workflow` with `workflow: {...}` is accepted. */
  workflowSpec?: OpenApiSchema;
}

/**
 * The Schedule CRD (`schedules.chaos-mesh.org`) for a list of kinds: Chaos Mesh's fields, one
 * embedded spec per kind (so a kind added to the list is schedulable with no edit here), checked
 * at admission by schema and CEL: the cron's syntax, `startingDeadlineSeconds` > 0,
 * `historyLimit` ≥ 1 (default {@link defaultHistoryLimit}), and the spec of the chosen `type`
 * present and no other.
 *
 * @example
 * const crd = scheduleCrd(builtInChaosKinds, { workflowSpec: workflowSpecSchema(...) });
 */
export function scheduleCrd(kinds: readonly ChaosKindDefinition[], options: ScheduleCrdOptions = {}): CustomResourceDefinition {
  return defineResourceCrd({
    kind: "Schedule",
    description: "Schedule creates a chaos experiment (or a Workflow) from its template each time its cron is due.",
    spec: scheduleSpecSchema(kinds, options.workflowSpec, "The cron, its policies, and what each run creates."),
    status: statusSchema,
    printerColumns: [
      { name: "schedule", type: "string", jsonPath: ".spec.schedule" },
      { name: "type", type: "string", jsonPath: ".spec.type" },
      { name: "last run", type: "date", jsonPath: ".status.time" },
      { name: "next run", type: "date", jsonPath: ".status.nextTime" },
      { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}
