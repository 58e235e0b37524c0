import { Type } from "@sinclair/typebox";
import { stringEnum, stringList, stringMap, mapOf } from "./structural-schema.js";

/** Every selector mode, in the order Chaos Mesh documents them. */
export const selectorModes = ["one", "all", "fixed", "fixed-percent", "random-max-percent"] as const;

/** The label selector operators Kubernetes knows. */
export const labelSelectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** The schema of a Kubernetes label selector requirement (`expressionSelectors` entries). */
export const labelSelectorRequirementSchema = Type.Object(
  {
    key: Type.String({ description: "The label key the requirement applies to." }),
    operator: stringEnum(labelSelectorOperators, "The key's relationship to the values: In, NotIn, Exists or DoesNotExist."),
    values: Type.Optional(stringList("The values; non-empty for In and NotIn, empty for Exists and DoesNotExist.")),
  },
  { description: "A label selector requirement: a key, an operator and values." },
);

/** The schema of PodSelectorSpec, the pod filters every pod-targeting chaos kind shares. */
export const podSelectorSpecSchema = Type.Object(
  {
    namespaces: Type.Optional(stringList("Namespaces to select pods from; empty means the chaos object's namespace.")),
    labelSelectors: Type.Optional(stringMap("Pod labels that must all match.")),
    expressionSelectors: Type.Optional(
      Type.Array(labelSelectorRequirementSchema, { description: "Label selector requirements that must all match." }),
    ),
    annotationSelectors: Type.Optional(stringMap("Pod annotations that must all match.")),
    fieldSelectors: Type.Optional(stringMap("Pod fields that must all match, as in a field selector (for example spec.nodeName).")),
    podPhaseSelectors: Type.Optional(
      stringList('Pod phases to include ("Running"; any one matches) or exclude ("!Failed"; every one applies).'),
    ),
    nodeSelectors: Type.Optional(stringMap("Node labels; pods on nodes with all of these labels (ORed with nodes).")),
    nodes: Type.Optional(stringList("Node names; pods on these nodes (ORed with nodeSelectors).")),
    pods: Type.Optional(
      mapOf(
        Type.Array(Type.String()),
        "Namespace to pod names; when set, exactly these pods and no other filter applies.",
      ),
    ),
  },
  {
    description:
      "Which pods to target. All filters are ANDed, except pods, which overrides the others; nodes and nodeSelectors are ORed.",
  },
);

/** The schema of `mode`: one of the five selector modes. */
export const selectorModeSchema = stringEnum(
  selectorModes,
  "How many of the selected pods to target: one, all, fixed, fixed-percent or random-max-percent.",
);

/**
 * The schema of `value`: digits only (a count for fixed, a percentage for the percent modes).
 * The empty string is accepted as "no value", as Chaos Mesh's tools write it for one and all.
 */
export const selectorValueSchema = Type.String({
  description: "The number of pods (fixed) or the percentage (fixed-percent, random-max-percent), in digits; unused by one and all.",
  pattern: "^[0-9]*$",
});

/** The fields of PodSelector (selector, mode, value), to spread into a kind's `Type.Object({...})`. */
export const podSelectorFields = {
  selector: podSelectorSpecSchema,
  mode: selectorModeSchema,
  value: Type.Optional(selectorValueSchema),
};

/** The fields of ContainerSelector (PodSelector's plus containerNames), to spread into a kind's spec. */
export const containerSelectorFields = {
  ...podSelectorFields,
  containerNames: Type.Optional(stringList("Container names in each selected pod; empty means each pod's first container.")),
};

/** The schema of PodSelector on its own (Chaos Mesh's PodSelector, e.g. NetworkChaos's `target`). */
export const podSelectorSchema = Type.Object(podSelectorFields, { description: "Which pods, and how many of them." });

/** The schema of ContainerSelector on its own. */
export const containerSelectorSchema = Type.Object(containerSelectorFields, {
  description: "Which containers of which pods, and how many pods.",
});
