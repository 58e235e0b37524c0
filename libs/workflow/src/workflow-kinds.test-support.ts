// Small chaos kinds and stand-in Schedule and StatusCheck schemas for the Workflow tests: the
// controllers take kinds as a parameter, so a test builds its own list (no chaos controller runs,
// so the chaos objects a Workflow creates just exist until it deletes them).
import { Type } from "@sinclair/typebox";
import { defineChaosCrd, durationSchema, type OpenApiSchema } from "@faultline/api";
import { defineChaosKind } from "@faultline/chaos-kind";
import type { WorkflowEmbeddedSchemas } from "./workflow-crd.js";

const testKind = (kind: string) =>
  defineChaosKind({
    crd: defineChaosCrd({
      kind,
      description: `${kind}: a test kind that does nothing.`,
      spec: Type.Object(
        { target: Type.String({ maxLength: 64 }), duration: Type.Optional(durationSchema) },
        { "x-kubernetes-validations": [{ rule: "self.target != 'forbidden'", message: "target must not be forbidden" }] },
      ),
    }),
    oneShot: false,
    selectorKind: "pod",
    manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }),
  });

/** Two test kinds, WfAlphaChaos and WfBetaChaos (fields `wfAlphaChaos`, `wfBetaChaos`). */
export const testKinds = [testKind("WfAlphaChaos"), testKind("WfBetaChaos")];

/** Stand-ins for the Schedule and StatusCheck libraries' spec schemas. */
export const standInSchemas: WorkflowEmbeddedSchemas = {
  scheduleSpec: {
    type: "object",
    required: ["schedule", "type"],
    properties: { schedule: { type: "string", maxLength: 128 }, type: { type: "string", maxLength: 64 }, historyLimit: { type: "integer" } },
    "x-kubernetes-preserve-unknown-fields": true,
  },
  statusCheckSpec: {
    type: "object",
    properties: {
      mode: { type: "string", enum: ["Synchronous", "Continuous"] },
      type: { type: "string", default: "HTTP" },
      http: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    "x-kubernetes-validations": [{ rule: "has(self.http)", message: "a status check needs http" }],
  } satisfies OpenApiSchema,
};
