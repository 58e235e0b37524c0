import {
  checkLabelSelector,
  formatLabelSelector,
  isEmptyLabelSelector,
  matchesLabelSelector,
  podLabelSelector,
} from "./label-selector.js";
import { SelectorError } from "./selector-error.js";

describe("formatLabelSelector", () => {
  it("writes labels then expressions in the API server's syntax", () => {
    expect(
      formatLabelSelector({
        matchLabels: { app: "web", "app.kubernetes.io/part-of": "shop" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["front", "back"] },
          { key: "env", operator: "NotIn", values: ["prod"] },
          { key: "canary", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("app=web,app.kubernetes.io/part-of=shop,tier in (front,back),env notin (prod),canary,!legacy");
  });

  it("writes an empty selector as the empty string", () => {
    expect(formatLabelSelector({})).toBe("");
  });
});

describe("checkLabelSelector", () => {
  it.each([
    [{ matchLabels: { "bad key": "x" } }, /labelSelectors: "bad key" is not a valid label key/],
    [{ matchLabels: { app: "a,b" } }, /"a,b" is not a valid label value/],
    [{ matchLabels: { app: "x".repeat(64) } }, /is not a valid label value/],
    [{ matchExpressions: [{ key: "k", operator: "In" as const }] }, /operator In needs values/],
    [{ matchExpressions: [{ key: "k", operator: "Exists" as const, values: ["v"] }] }, /operator Exists takes no values/],
    [{ matchExpressions: [{ key: "k", operator: "Equals" as "In", values: ["v"] }] }, /"Equals" is not In, NotIn, Exists/],
  ])("rejects %j", (selector, message) => {
    expect(() => checkLabelSelector(selector)).toThrow(SelectorError);
    expect(() => checkLabelSelector(selector)).toThrow(message);
  });

  it("accepts empty values and prefixed keys", () => {
    expect(() => checkLabelSelector({ matchLabels: { "example.com/role": "" } })).not.toThrow();
  });
});

describe("matchesLabelSelector", () => {
  const labels = { app: "web", tier: "front" };
  it.each([
    [{}, true],
    [{ matchLabels: { app: "web" } }, true],
    [{ matchLabels: { app: "db" } }, false],
    [{ matchLabels: { app: "web", zone: "a" } }, false],
    [{ matchExpressions: [{ key: "tier", operator: "In" as const, values: ["front", "back"] }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "In" as const, values: ["a"] }] }, false],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn" as const, values: ["front"] }] }, false],
    [{ matchExpressions: [{ key: "zone", operator: "NotIn" as const, values: ["a"] }] }, true],
    [{ matchExpressions: [{ key: "app", operator: "Exists" as const }] }, true],
    [{ matchExpressions: [{ key: "app", operator: "DoesNotExist" as const }] }, false],
    [{ matchExpressions: [{ key: "zone", operator: "DoesNotExist" as const }] }, true],
  ])("%j → %s", (selector, expected) => {
    expect(matchesLabelSelector(labels, selector)).toBe(expected);
  });

  it("treats missing labels as none", () => {
    expect(matchesLabelSelector(undefined, { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] })).toBe(true);
    expect(matchesLabelSelector(undefined, { matchLabels: { a: "" } })).toBe(false);
  });
});

describe("podLabelSelector", () => {
  it("combines labelSelectors and expressionSelectors", () => {
    const selector = podLabelSelector({
      labelSelectors: { app: "web" },
      expressionSelectors: [{ key: "tier", operator: "Exists" }],
    });
    expect(formatLabelSelector(selector)).toBe("app=web,tier");
    expect(isEmptyLabelSelector(selector)).toBe(false);
    expect(isEmptyLabelSelector(podLabelSelector({ namespaces: ["a"] }))).toBe(true);
  });
});
