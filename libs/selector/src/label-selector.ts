import type { LabelSelectorRequirement, PodSelectorSpec } from "@faultline/api";
import { SelectorError } from "./selector-error.js";

/** A label selector: labels that must equal and requirements that must hold, all ANDed. */
export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>>;
  matchExpressions?: readonly LabelSelectorRequirement[];
}

const name = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const labelKey = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${name}$`);
const labelValue = new RegExp(`^(${name})?$`);

function checkKey(key: string, field: string): void {
  if (!labelKey.test(key) || key.length > 317) {
    throw new SelectorError("InvalidSelector", `${field}: ${JSON.stringify(key)} is not a valid label key`);
  }
}

function checkValue(value: string, field: string): void {
  if (!labelValue.test(value)) {
    throw new SelectorError("InvalidSelector", `${field}: ${JSON.stringify(value)} is not a valid label value`);
  }
}

/**
 * Checks a label selector as the API server would, so that a bad selector fails with a
 * SelectorError naming the field instead of an HTTP 400.
 */
export function checkLabelSelector(selector: LabelSelector, field = "labelSelectors"): void {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    checkKey(key, field);
    checkValue(value, field);
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const where = `expressionSelectors ${JSON.stringify(requirement.key)}`;
    checkKey(requirement.key, where);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          throw new SelectorError("InvalidSelector", `${where}: operator ${requirement.operator} needs values`);
        }
        for (const value of values) checkValue(value, where);
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          throw new SelectorError("InvalidSelector", `${where}: operator ${requirement.operator} takes no values`);
        }
        break;
      default:
        throw new SelectorError(
          "InvalidSelector",
          `${where}: operator ${JSON.stringify(requirement.operator)} is not In, NotIn, Exists or DoesNotExist`,
        );
    }
  }
}

/** The pod label selector of a PodSelectorSpec: `labelSelectors` and `expressionSelectors` together. */
export function podLabelSelector(spec: PodSelectorSpec): LabelSelector {
  return { matchLabels: spec.labelSelectors ?? {}, matchExpressions: spec.expressionSelectors ?? [] };
}

/** Whether a label selector has nothing to match (it then selects everything). */
export function isEmptyLabelSelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/**
 * A label selector in the API server's query syntax (the `labelSelector` parameter of list calls).
 *
 * ```ts
 * formatLabelSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] });
 * // "app=web,tier notin (db)"
 * ```
 */
export function formatLabelSelector(selector: LabelSelector): string {
  checkLabelSelector(selector);
  const terms = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === "In") terms.push(`${key} in (${values.join(",")})`);
    else if (operator === "NotIn") terms.push(`${key} notin (${values.join(",")})`);
    else if (operator === "Exists") terms.push(key);
    else terms.push(`!${key}`);
  }
  return terms.join(",");
}

/** Whether a set of labels matches a label selector, with the API server's semantics. */
export function matchesLabelSelector(labels: Readonly<Record<string, string>> | undefined, selector: LabelSelector): boolean {
  const set = labels ?? {};
  const has = (key: string): boolean => Object.hasOwn(set, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || set[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return has(key) && values.includes(set[key]!);
      case "NotIn":
        return !has(key) || !values.includes(set[key]!);
      case "Exists":
        return has(key);
      case "DoesNotExist":
        return !has(key);
      default:
        return false;
    }
  });
}
