import { InvalidStatusCodeCriteriaError, parseStatusCodeCriteria, statusCodeMeets } from "./status-code-criteria.js";

describe("parseStatusCodeCriteria", () => {
  it.each([
    ["200", { low: 200, high: 200 }],
    ["200-399", { low: 200, high: 399 }],
    ["1-999", { low: 1, high: 999 }],
    ["404-404", { low: 404, high: 404 }],
  ])("reads %s", (criteria, range) => {
    expect(parseStatusCodeCriteria(criteria)).toEqual(range);
  });

  it.each(["", "0", "abc", "200-", "-200", "1000", "399-200", "200 - 399", "2xx", "0-100"])("refuses %j", (criteria) => {
    expect(() => parseStatusCodeCriteria(criteria)).toThrow(InvalidStatusCodeCriteriaError);
  });
});

describe("statusCodeMeets", () => {
  it("includes both ends of a range", () => {
    const range = parseStatusCodeCriteria("200-399");
    expect([199, 200, 302, 399, 400].map((code) => statusCodeMeets(range, code))).toEqual([false, true, true, true, false]);
  });

  it("a single code meets only itself", () => {
    const range = parseStatusCodeCriteria("204");
    expect([200, 204, 205].map((code) => statusCodeMeets(range, code))).toEqual([false, true, false]);
  });
});
