import type { OpenApiSchema } from "@faultline/api";
import { branchExpressionMaxLength } from "./branch-expression.js";

/** The bounds of a Task template (each sits in the list of templates, so the CEL rules multiply them). */
export const taskLimits = {
  /** Conditional branches per Task template. */
  branches: 16,
  /** Volumes per Task pod. */
  volumes: 32,
} as const;

const strings = (description: string): OpenApiSchema => ({ type: "string", description });
const stringList = (description: string): OpenApiSchema => ({ type: "array", description, items: { type: "string" } });

/**
 * A Kubernetes container (`core/v1 Container`), as a Task template runs it: `name` and `image`
 * are required and the fields a Task typically sets are typed; every other field of a container
 * (ports, probes, securityContext, …) is kept as written, and the API server validates the whole
 * container when the Task's pod is created.
 */
const containerSchema: OpenApiSchema = {
  type: "object",
  description: "The container the Task's pod runs (a Kubernetes core/v1 Container). Its exit code and its log, as `exitCode` and `stdout`, choose the conditional branches.",
  required: ["name", "image"],
  properties: {
    name: { type: "string", description: "The container's name (a DNS-1123 label).", minLength: 1, maxLength: 63 },
    image: { type: "string", description: "The image to run.", minLength: 1 },
    imagePullPolicy: { type: "string", description: "Always, Never or IfNotPresent.", enum: ["Always", "Never", "IfNotPresent"] },
    command: stringList("The entrypoint (the image's if unset)."),
    args: stringList("The arguments to the entrypoint."),
    workingDir: strings("The container's working directory."),
    env: {
      type: "array",
      description: "Environment variables (core/v1 EnvVar).",
      items: { type: "object", required: ["name"], properties: { name: { type: "string" }, value: { type: "string" } }, "x-kubernetes-preserve-unknown-fields": true },
    },
    volumeMounts: {
      type: "array",
      description: "Volumes of `volumes` to mount (core/v1 VolumeMount).",
      items: {
        type: "object",
        required: ["name", "mountPath"],
        properties: { name: { type: "string" }, mountPath: { type: "string" }, readOnly: { type: "boolean" }, subPath: { type: "string" } },
        "x-kubernetes-preserve-unknown-fields": true,
      },
    },
  },
  "x-kubernetes-preserve-unknown-fields": true,
};

/** A Task template's `task` (Chaos Mesh's `Task`): the container to run and the volumes its pod has. */
export const taskSchema: OpenApiSchema = {
  type: "object",
  description: "Task: the pod to run, in the Workflow's namespace; its container's exit code and output choose the conditional branches.",
  required: ["container"],
  properties: {
    container: containerSchema,
    volumes: {
      type: "array",
      description: "The pod's volumes (core/v1 Volume), for the container's volumeMounts.",
      maxItems: taskLimits.volumes,
      items: { type: "object", required: ["name"], properties: { name: { type: "string", maxLength: 63 } }, "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};

/**
 * A Task template's `conditionalBranches`: each names the template to run next and the expression
 * (over `exitCode` and `stdout`) that must be true for it to run. `target` takes the template-name
 * schema of the Workflow CRD.
 */
export function conditionalBranchesSchema(target: OpenApiSchema): OpenApiSchema {
  return {
    type: "array",
    description: "Task: the templates to run once the pod has ended, each when its expression is true (all the true ones, at once).",
    maxItems: taskLimits.branches,
    items: {
      type: "object",
      required: ["target", "expression"],
      properties: {
        target,
        expression: {
          type: "string",
          description: 'A boolean expression over `exitCode` (int) and `stdout` (string), e.g. `exitCode == 0 && stdout == "ok"` (CEL; the subset is in the workflow library\'s README).',
          minLength: 1,
          maxLength: branchExpressionMaxLength,
        },
      },
    },
  };
}
