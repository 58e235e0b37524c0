import type { OpenApiSchema } from "./openapi-schema.js";
import { selectorModes } from "./selector.js";

const stringMap = (description: string): OpenApiSchema => ({
  type: "object",
  description,
  additionalProperties: { type: "string" },
});

const stringList = (description: string): OpenApiSchema => ({
  type: "array",
  description,
  items: { type: "string" },
});

/** The schema of a Kubernetes label selector requirement (`expressionSelectors` entries). */
export const labelSelectorRequirementSchema: OpenApiSchema = {
  type: "object",
  description: "A label selector requirement: a key, an operator and values.",
  required: ["key", "operator"],
  properties: {
    key: { type: "string", description: "The label key the requirement applies to." },
    operator: {
      type: "string",
      description: "The key's relationship to the values: In, NotIn, Exists or DoesNotExist.",
    },
    values: stringList("The values; non-empty for In and NotIn, empty for Exists and DoesNotExist."),
  },
};

/** The schema of PodSelectorSpec, the pod filters every pod-targeting chaos kind shares. */
export const podSelectorSpecSchema: OpenApiSchema = {
  type: "object",
  description:
    "Which pods to target. All filters are ANDed, except pods, which overrides the others; nodes and nodeSelectors are ORed.",
  properties: {
    namespaces: stringList("Namespaces to select pods from; empty means the chaos object's namespace."),
    labelSelectors: stringMap("Pod labels that must all match."),
    expressionSelectors: {
      type: "array",
      description: "Label selector requirements that must all match.",
      items: labelSelectorRequirementSchema,
    },
    annotationSelectors: stringMap("Pod annotations that must all match."),
    fieldSelectors: stringMap("Pod fields that must all match, as in a field selector (for example spec.nodeName)."),
    podPhaseSelectors: stringList(
      'Pod phases to include ("Running"; any one matches) or exclude ("!Failed"; every one applies).',
    ),
    nodeSelectors: stringMap("Node labels; pods on nodes with all of these labels (ORed with nodes)."),
    nodes: stringList("Node names; pods on these nodes (ORed with nodeSelectors)."),
    pods: {
      type: "object",
      description: "Namespace to pod names; when set, exactly these pods and no other filter applies.",
      additionalProperties: { type: "array", items: { type: "string" } },
    },
  },
};

/** The schema of `mode`: one of the five selector modes. */
export const selectorModeSchema: OpenApiSchema = {
  type: "string",
  description: "How many of the selected pods to target: one, all, fixed, fixed-percent or random-max-percent.",
  enum: [...selectorModes],
};

/**
 * The schema of `value`: digits only (a count for fixed, a percentage for the percent modes).
 * The empty string is accepted as "no value", as Chaos Mesh's tools write it for one and all.
 */
export const selectorValueSchema: OpenApiSchema = {
  type: "string",
  description:
    "The number of pods (fixed) or the percentage (fixed-percent, random-max-percent), in digits; unused by one and all.",
  pattern: "^[0-9]*$",
};

/** The properties of PodSelector (selector, mode, value), for inlining into a kind's spec. */
export const podSelectorProperties: { [name: string]: OpenApiSchema } = {
  selector: podSelectorSpecSchema,
  mode: selectorModeSchema,
  value: selectorValueSchema,
};

/** The properties of ContainerSelector (PodSelector plus containerNames), for inlining into a kind's spec. */
export const containerSelectorProperties: { [name: string]: OpenApiSchema } = {
  ...podSelectorProperties,
  containerNames: stringList("Container names in each selected pod; empty means each pod's first container."),
};

/** The fields PodSelector and ContainerSelector require. */
export const podSelectorRequired: readonly string[] = ["selector", "mode"];
