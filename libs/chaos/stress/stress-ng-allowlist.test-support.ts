// Test support: the CEL rules of the generated StressChaos CRD that check stress-ng strings, their
// regular expressions taken out of the rule text (a CEL single-quoted literal, its backslashes
// doubled) so that the specs test what the API server is given.
import { stressChaosCrd } from "./stress-chaos-crd.js";

type Validations = { rule: string; fieldPath?: string }[];
type Node = { properties?: { [name: string]: Node }; "x-kubernetes-validations"?: Validations };

const patternOf = (rule: string): RegExp => {
  const literal = /\.matches\('((?:[^'\\]|\\.)*)'\)/.exec(rule)?.[1];
  if (literal === undefined) throw new Error(`no matches('…') in ${rule}`);
  return new RegExp(literal.replaceAll("\\\\", "\\"));
};

/** The regular expressions of the rules on `spec.stressngStressors` and on each `spec.stressors.cpu.options` item. */
export function stressNgCelPatterns(): { stressngStressors: RegExp; optionsItem: RegExp; rules: { stressngStressors: string; options: string } } {
  const spec = stressChaosCrd.spec.versions[0]!.schema.openAPIV3Schema.properties!["spec"] as Node;
  const whole = spec["x-kubernetes-validations"]!.find((v) => v.fieldPath === ".stressngStressors")!.rule;
  const cpu = spec.properties!["stressors"]!.properties!["cpu"]!;
  const memory = spec.properties!["stressors"]!.properties!["memory"]!;
  const options = cpu["x-kubernetes-validations"]!.find((v) => v.fieldPath === ".options")!.rule;
  if (memory["x-kubernetes-validations"]!.find((v) => v.fieldPath === ".options")!.rule !== options) throw new Error("the cpu and memory options rules differ");
  return { stressngStressors: patternOf(whole), optionsItem: patternOf(options), rules: { stressngStressors: whole, options } };
}
