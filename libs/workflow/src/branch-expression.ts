import { Environment, type ASTNode } from "@marcbachmann/cel-js";

/** What a Task's container left behind, the only variables a branch expression sees. */
export interface TaskResult {
  /** The container's exit code. */
  exitCode: number;
  /** Its log (stdout and stderr, as `kubectl logs` shows them), trimmed of surrounding whitespace. */
  stdout: string;
}

/** A branch's outcome, with Chaos Mesh's values: Unknown when the expression could not be evaluated. */
export type EvaluationResult = "True" | "False" | "Unknown";

/** One branch evaluated: True, False, or Unknown with the reason. */
export interface BranchEvaluation {
  result: EvaluationResult;
  /** Why the result is Unknown: a syntax error, a type error, an unsupported function. */
  error?: string;
}

/** The longest expression accepted (the CRD's limit too). */
export const branchExpressionMaxLength = 1024;

// Every expression is parsed and type-checked against exactly these two variables; an unknown name
// is a type error. Structural limits keep a hostile expression from costing the manager much.
const environment = new Environment({ limits: { maxAstNodes: 256, maxDepth: 32, maxListElements: 64, maxMapEntries: 0, maxCallArguments: 4 } })
  .registerVariable("exitCode", "int")
  .registerVariable("stdout", "string");

// The operators of the subset. Functions are allowed by name; comprehension macros (all, exists,
// map, filter) and matches() are not: a nested comprehension or a backtracking regular expression
// over the output could keep the manager's event loop busy for minutes.
const operators = new Set(["value", "id", "list", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!_", "-_", "?:", "in", "+", "-", "*", "/", "%"]);
const functions = new Set(["contains", "startsWith", "endsWith", "size", "int", "string"]);

/** The first construct outside the subset, or undefined. */
function unsupported(node: ASTNode): string | undefined {
  switch (node.op) {
    case "call": {
      const [name, args] = node.args;
      return functions.has(name) ? args.map(unsupported).find(Boolean) : `${name}() is not supported in a branch expression`;
    }
    case "rcall": {
      const [name, receiver, args] = node.args;
      return functions.has(name) ? [receiver, ...args].map(unsupported).find(Boolean) : `.${name}() is not supported in a branch expression`;
    }
    case "value":
    case "id":
      return undefined;
    default: {
      if (!operators.has(node.op)) return `${node.op} is not supported in a branch expression`;
      const args = (Array.isArray(node.args) ? node.args : [node.args]) as unknown[];
      return args.filter((a): a is ASTNode => typeof a === "object" && a !== null && "op" in a).map(unsupported).find(Boolean);
    }
  }
}

/** The first line of a library error (the rest draws the expression with a caret). */
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();

/**
 * Evaluates one `conditionalBranches[].expression` over a Task's result, as Chaos Mesh does with
 * expr-lang's `EvalBool`: True or False, or Unknown (with the reason) when the expression does not
 * parse, names anything but `exitCode` and `stdout`, is not a boolean, or fails while evaluating.
 * The language is CEL (the `@marcbachmann/cel-js` library), whose syntax for what Chaos Mesh's
 * examples and docs write is expr-lang's: `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, `!`,
 * parentheses, `"…"` and `'…'` strings, integers; plus `in [..]`, `? :`, arithmetic, and the
 * functions `contains`, `startsWith`, `endsWith`, `size`, `int`, `string`.
 *
 * @example
 * evaluateBranchExpression('exitCode == 0 && stdout == "branch-a"', { exitCode: 0, stdout: "branch-a" }) // { result: "True" }
 * evaluateBranchExpression("exitCode and true", { exitCode: 0, stdout: "" }).result // "Unknown"
 */
export function evaluateBranchExpression(expression: string, result: TaskResult): BranchEvaluation {
  if (expression.length > branchExpressionMaxLength) return { result: "Unknown", error: `the expression is longer than ${branchExpressionMaxLength} characters` };
  try {
    const parsed = environment.parse(expression);
    const refused = unsupported(parsed.ast);
    if (refused) return { result: "Unknown", error: refused };
    const checked = parsed.check();
    if (!checked.valid) return { result: "Unknown", error: firstLine(checked.error) };
    if (checked.type !== "bool") return { result: "Unknown", error: `the expression is a ${checked.type}, not a bool` };
    const value: unknown = parsed({ exitCode: BigInt(result.exitCode), stdout: result.stdout });
    if (typeof value !== "boolean") return { result: "Unknown", error: `the expression evaluated to a ${typeof value}, not a bool` };
    return { result: value ? "True" : "False" };
  } catch (error) {
    return { result: "Unknown", error: firstLine(error) };
  }
}

/** A conditional branch of a Task template: the template to run when `expression` is true. */
export interface ConditionalBranch {
  target: string;
  expression: string;
}

/** A branch's status on the WorkflowNode (Chaos Mesh's `ConditionalBranchStatus`). */
export interface ConditionalBranchStatus {
  target: string;
  evaluationResult: EvaluationResult;
}

/**
 * Every branch of a Task evaluated over its result, for the node's `conditionalBranchesStatus`:
 * the branches in order, and a context whose first line is the result as JSON (as Chaos Mesh
 * writes it), followed by one line per branch that came out Unknown, saying why.
 *
 * @example
 * evaluateBranches([{ target: "a", expression: "exitCode == 0" }, { target: "b", expression: "exitCode" }], { exitCode: 0, stdout: "" });
 * // { branches: [{ target: "a", evaluationResult: "True" }, { target: "b", evaluationResult: "Unknown" }],
 * //   context: ['{"exitCode":0,"stdout":""}', "branch 1 (b): the expression is a int, not a bool"] }
 */
export function evaluateBranches(branches: readonly ConditionalBranch[], result: TaskResult): { branches: ConditionalBranchStatus[]; context: string[] } {
  const context = [JSON.stringify({ exitCode: result.exitCode, stdout: result.stdout })];
  const statuses = branches.map(({ target, expression }, index) => {
    const evaluation = evaluateBranchExpression(expression, result);
    if (evaluation.error) context.push(`branch ${index} (${target}): ${evaluation.error}`);
    return { target, evaluationResult: evaluation.result };
  });
  return { branches: statuses, context };
}
