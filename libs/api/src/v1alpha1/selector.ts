/** A label selector requirement, as in Kubernetes' metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  /** In, NotIn, Exists or DoesNotExist. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/**
 * Which pods a chaos targets (Chaos Mesh's PodSelectorSpec). Every filter is ANDed with the
 * others, except `pods`, which overrides them all; `nodes` and `nodeSelectors` are ORed together.
 */
export interface PodSelectorSpec {
  /** Namespaces to look in; empty means the chaos object's own namespace. */
  namespaces?: string[];
  labelSelectors?: Record<string, string>;
  expressionSelectors?: LabelSelectorRequirement[];
  annotationSelectors?: Record<string, string>;
  fieldSelectors?: Record<string, string>;
  /** Pod phases to include ("Running") or exclude ("!Failed"). */
  podPhaseSelectors?: string[];
  /** Node label selectors; pods on matching nodes. */
  nodeSelectors?: Record<string, string>;
  /** Node names; pods on these nodes. */
  nodes?: string[];
  /** Namespace → pod names; when set, exactly these pods. */
  pods?: Record<string, string[]>;
}

/** How many of the selected targets to act on. */
export type SelectorMode = "one" | "all" | "fixed" | "fixed-percent" | "random-max-percent";

/** Every selector mode, in the order Chaos Mesh documents them. */
export const selectorModes: readonly SelectorMode[] = ["one", "all", "fixed", "fixed-percent", "random-max-percent"];

/** A pod selector with its mode (Chaos Mesh's PodSelector, inlined into specs). */
export interface PodSelector {
  selector: PodSelectorSpec;
  mode: SelectorMode;
  /** The number (fixed) or percentage (fixed-percent, random-max-percent) the mode needs. */
  value?: string;
}

/** A pod selector narrowed to containers (Chaos Mesh's ContainerSelector). */
export interface ContainerSelector extends PodSelector {
  /** Container names; empty means each pod's first container. */
  containerNames?: string[];
}
