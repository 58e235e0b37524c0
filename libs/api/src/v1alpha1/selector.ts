import type { Static } from "@sinclair/typebox";
import type {
  containerSelectorSchema,
  labelSelectorRequirementSchema,
  podSelectorSchema,
  podSelectorSpecSchema,
  selectorModeSchema,
} from "./selector-schema.js";

// The selector types, derived from their schemas in selector-schema.ts (the one source of truth).

/** A label selector requirement, as in Kubernetes' metav1.LabelSelectorRequirement. */
export type LabelSelectorRequirement = Static<typeof labelSelectorRequirementSchema>;

/**
 * Which pods a chaos targets (Chaos Mesh's PodSelectorSpec). Every filter is ANDed with the
 * others, except `pods`, which overrides them all; `nodes` and `nodeSelectors` are ORed together.
 */
export type PodSelectorSpec = Static<typeof podSelectorSpecSchema>;

/** How many of the selected targets to act on. */
export type SelectorMode = Static<typeof selectorModeSchema>;

/** A pod selector with its mode (Chaos Mesh's PodSelector, inlined into specs). */
export type PodSelector = Static<typeof podSelectorSchema>;

/** A pod selector narrowed to containers (Chaos Mesh's ContainerSelector). */
export type ContainerSelector = Static<typeof containerSelectorSchema>;
