import type { OpenApiSchema } from "./openapi-schema.js";

/** The schema of one apply or recover attempt on a record. */
export const recordEventSchema: OpenApiSchema = {
  type: "object",
  required: ["type", "operation", "timestamp"],
  properties: {
    type: { type: "string", enum: ["Succeeded", "Failed"] },
    operation: { type: "string", enum: ["Apply", "Recover"] },
    message: { type: "string" },
    timestamp: { type: "string", format: "date-time" },
  },
};

/** The schema of one record: a pod (`ns/name`) or container (`ns/pod/container`) target. */
export const recordSchema: OpenApiSchema = {
  type: "object",
  required: ["id", "selectorKey", "phase", "injectedCount", "recoveredCount"],
  properties: {
    id: { type: "string", description: "The target: ns/name for a pod, ns/pod/container for a container." },
    selectorKey: { type: "string", description: "The selector that chose the target." },
    phase: {
      type: "string",
      description: 'Not Injected or Injected, optionally followed by "/" and a step.',
      pattern: "^(Not Injected|Injected)(/.*)?$",
    },
    injectedCount: { type: "integer", minimum: 0 },
    recoveredCount: { type: "integer", minimum: 0 },
    applying: {
      type: "boolean",
      description: "An apply was started and its success is not written yet: the record is recovered on stop whatever its phase.",
    },
    events: { type: "array", items: recordEventSchema },
  },
};

/** The schema of the status every chaos kind shares: conditions and the experiment's records. */
export const chaosStatusSchema: OpenApiSchema = {
  type: "object",
  description: "The observed state of the experiment.",
  properties: {
    conditions: {
      type: "array",
      description: "Selected, AllInjected, AllRecovered and Paused.",
      items: {
        type: "object",
        required: ["type", "status"],
        properties: {
          type: { type: "string" },
          status: { type: "string", enum: ["True", "False", "Unknown"] },
          reason: { type: "string", description: "Why the condition has its status, CamelCase." },
          message: { type: "string", description: "The same for people, short." },
        },
      },
    },
    experiment: {
      type: "object",
      properties: {
        desiredPhase: { type: "string", enum: ["Run", "Stop"] },
        containerRecords: {
          type: "array",
          description: "One record per target (the key is containerRecords whatever the targets are).",
          items: recordSchema,
        },
        recordShards: {
          type: "integer",
          minimum: 1,
          description: "How many RecordShard objects (<name>-records-<i>) hold the records instead of containerRecords.",
        },
        recordCounts: {
          type: "object",
          description: "How many records are in each phase.",
          additionalProperties: { type: "integer", minimum: 0 },
        },
      },
    },
    plan: {
      type: "object",
      description:
        "Faultline's: what the experiment would do (targets, nodes, the daemon's commands and the API patches), written instead of injecting while the object has the annotation faultline.chaos-mesh.org/plan: \"true\".",
      "x-kubernetes-preserve-unknown-fields": true,
    },
  },
};
