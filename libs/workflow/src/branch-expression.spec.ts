import { evaluateBranchExpression, evaluateBranches } from "./branch-expression.js";

const ok = { exitCode: 0, stdout: "branch-b" };
const failed = { exitCode: 1, stdout: "boom" };

describe("evaluateBranchExpression", () => {
  it.each([
    // Chaos Mesh's custom-task example, over the output `echo branch-b` leaves
    ['exitCode == 0 && stdout == "branch-a"', ok, "False"],
    ['exitCode == 0 && stdout == "branch-b"', ok, "True"],
    ["exitCode != 0", ok, "False"],
    ["exitCode != 0", failed, "True"],
    // the rest of the subset the docs use: comparisons, ||, !, parentheses, both quote styles
    ["exitCode > 0 || stdout == 'branch-b'", ok, "True"],
    ["exitCode >= 1 && exitCode <= 2", failed, "True"],
    ["exitCode < 0", failed, "False"],
    ['!(stdout == "boom")', failed, "False"],
    ["!(exitCode == 0) && (stdout != 'x' || false)", failed, "True"],
    ["true", ok, "True"],
    // what CEL adds and the README lists
    ["exitCode in [0, 2]", ok, "True"],
    ['stdout.contains("anch") && stdout.startsWith("br") && !stdout.endsWith("a")', ok, "True"],
    ["size(stdout) == 8", ok, "True"],
    ["exitCode == 1 ? stdout == 'boom' : false", failed, "True"],
  ] as const)("%s over %j is %s", (expression, result, expected) => {
    expect(evaluateBranchExpression(expression, result)).toEqual({ result: expected });
  });

  it.each([
    ["exitCode == 0 &&", /Unexpected token: EOF/],
    ["exitCode and true", /Unexpected character/], // expr-lang's keyword forms are not CEL
    ["not (exitCode == 0)", /not/],
    ["code == 0", /Unknown variable: code/],
    ['exitCode == "0"', /no such overload: int == string/],
    ["exitCode", /the expression is a int, not a bool/],
    ["stdout", /the expression is a string, not a bool/],
    ["1 / (exitCode - exitCode) == 1", /division by zero/],
    ['stdout.matches("(a+)+$")', /\.matches\(\) is not supported/],
    ["[1, 2].all(x, x > 0)", /\.all\(\) is not supported/],
    ["duration('1s') > duration('0s')", /duration\(\) is not supported/],
  ])("%s is Unknown, and says why", (expression, reason) => {
    const evaluation = evaluateBranchExpression(expression, ok);
    expect(evaluation.result).toBe("Unknown");
    expect(evaluation.error).toMatch(reason);
    expect(evaluation.error).not.toContain("\n");
  });

  it("refuses an expression too large to be cheap: over 1024 characters, or over 256 syntax nodes", () => {
    expect(evaluateBranchExpression(`exitCode == 0${" || exitCode == 0".repeat(70)}`, ok)).toEqual({ result: "Unknown", error: "the expression is longer than 1024 characters" });
    expect(evaluateBranchExpression(`exitCode == ${"1+".repeat(200)}1`, ok)).toEqual({ result: "Unknown", error: expect.stringMatching(/maxAstNodes/) });
  });
});

describe("evaluateBranches", () => {
  it("answers every branch in order, with the result and each Unknown's reason in the context", () => {
    const evaluated = evaluateBranches(
      [
        { target: "workflow-stress-chaos", expression: 'exitCode == 0 && stdout == "branch-a"' },
        { target: "workflow-network-chaos", expression: 'exitCode == 0 && stdout == "branch-b"' },
        { target: "on-failed", expression: "exitCode != 0" },
        { target: "typo", expression: "exitcode == 0" },
      ],
      ok,
    );
    expect(evaluated.branches).toEqual([
      { target: "workflow-stress-chaos", evaluationResult: "False" },
      { target: "workflow-network-chaos", evaluationResult: "True" },
      { target: "on-failed", evaluationResult: "False" },
      { target: "typo", evaluationResult: "Unknown" },
    ]);
    expect(evaluated.context).toEqual(['{"exitCode":0,"stdout":"branch-b"}', expect.stringMatching(/^branch 3 \(typo\): Unknown variable: exitcode/)]);
  });

  it("has only the result in the context when there are no branches", () => {
    expect(evaluateBranches([], failed)).toEqual({ branches: [], context: ['{"exitCode":1,"stdout":"boom"}'] });
  });
});
