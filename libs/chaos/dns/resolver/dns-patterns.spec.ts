import { describe, expect, it } from "@jest/globals";
import {
  dnsPatternMatches,
  dnsPatternMaxLength,
  dnsPatternProblem,
  dnsPatternRegexSource,
  dnsPatternsMatch,
} from "./dns-patterns.js";

const regex = new RegExp(dnsPatternRegexSource);

const label63 = "a".repeat(63);
const valid = [
  "api.example.test",
  "API.Example.TEST",
  "a",
  "*",
  "exam*",
  "example.*",
  "example.test*",
  "api.exa?ple.test",
  "???.example.test",
  "?",
  "?*",
  "_srv._tcp.example-1.test",
  "0-9.x",
  `${label63}.test`,
  `${label63}*`,
  `${label63}.*`,
  // 4 labels of 63 and one more character: 253 characters exactly
  `${label63}.${label63}.${label63}.${"a".repeat(61)}`,
];
const invalid: Array<[string, string]> = [
  ["", 'pattern "" is empty'],
  ["a*b", 'pattern "a*b" has "*" before its end: only a trailing "*" is allowed'],
  ["*.example.test", 'pattern "*.example.test" has "*" before its end'],
  ["**", 'pattern "**" has "*" before its end'],
  ["a b", 'pattern "a b" has " " at position 2'],
  ["exa%mple.test", 'pattern "exa%mple.test" has "%" at position 4'],
  ["a/b", 'pattern "a/b" has "/" at position 2'],
  ["é.test", 'pattern "é.test" has "é" at position 1'],
  [".example.test", 'pattern ".example.test" has an empty label'],
  ["example..test", 'pattern "example..test" has an empty label'],
  ["example.test.", 'pattern "example.test." has an empty label'],
  [".", 'pattern "." has an empty label'],
  [".*", 'pattern ".*" has an empty label'],
  ["a..*", 'pattern "a..*" has an empty label'],
  [`${"a".repeat(64)}.test`, "has a label of 64 characters"],
  [`${"a".repeat(64)}*`, "has a label of 64 characters"],
];

describe("dnsPatternProblem and dnsPatternRegexSource", () => {
  it.each(valid)("accept %s", (pattern) => {
    expect(dnsPatternProblem(pattern)).toBeUndefined();
    expect(regex.test(pattern)).toBe(true);
  });

  it.each(invalid)("reject %s, naming it", (pattern, message) => {
    expect(dnsPatternProblem(pattern)).toContain(message);
    expect(regex.test(pattern)).toBe(false);
  });

  it("agree on every generated string over the grammar's characters (and a few others)", () => {
    // a seeded generator, so a failure is reproducible
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ["a", "Z", "0", "-", "_", "?", "*", ".", ".", " ", "%"];
    let validSeen = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(next() * 9);
      let s = "";
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(next() * alphabet.length)];
      const ok = dnsPatternProblem(s) === undefined;
      if (ok) validSeen++;
      if (regex.test(s) !== ok) throw new Error(`disagree on ${JSON.stringify(s)}: regex ${regex.test(s)}, problem ${dnsPatternProblem(s)}`);
    }
    expect(validSeen).toBeGreaterThan(500); // the generator reaches both sides
  });

  it("leaves the whole length to the schema's maxLength: 254 characters are refused by dnsPatternProblem only", () => {
    const long = `${label63}.${label63}.${label63}.${"a".repeat(62)}`;
    expect(long).toHaveLength(dnsPatternMaxLength + 1);
    expect(dnsPatternProblem(long)).toBe(`pattern "${long}" is 254 characters long: at most 253 are allowed`);
    expect(regex.test(long)).toBe(true);
  });

  it("uses only RE2 syntax: no lookaround, no backreference, no lazy or possessive quantifier", () => {
    expect(dnsPatternRegexSource).not.toMatch(/\(\?[=!<]|\\[1-9]|[*+?}]\?|[*+?}]\+/);
    expect(dnsPatternRegexSource.startsWith("^") && dnsPatternRegexSource.endsWith("$")).toBe(true);
  });

  it("names a value that is not a string", () => {
    expect(dnsPatternProblem(42)).toBe("pattern 42 is not a string");
  });
});

describe("dnsPatternMatches", () => {
  const cases: Array<[string, string, boolean]> = [
    ["api.example.test", "api.example.test", true],
    ["api.example.test", "api.example.test.", true],
    ["api.example.test", "API.EXAMPLE.Test.", true],
    ["API.example.test", "api.example.test", true],
    ["api.example.test", "api.example.tes", false],
    ["api.example.test", "xapi.example.test", false],
    ["api.example.test", "api.example.test.more", false],
    ["api.exa?ple.test", "api.example.test", true],
    ["api.exa?ple.test", "api.exaXple.test", true],
    ["api.exa?ple.test", "api.exaple.test", false],
    ["api.exa?ple.test", "api.exaxxple.test", false],
    ["a?b", "a.b", false], // "?" is one character of a label, never the dot between two
    ["???", "abc", true],
    ["???", "ab", false],
    ["exam*", "exam", true],
    ["exam*", "example", true],
    ["exam*", "example.test", true],
    ["exam*", "exa", false],
    ["example.*", "example.test", true],
    ["example.*", "example.a.b.", true],
    ["example.*", "example", false],
    ["example.*", "examplex.test", false],
    ["*", "anything.at.all", true],
    ["*", "", true],
    ["?*", "a", true],
    ["?*", "", false],
  ];
  it.each(cases)("%s against %s → %s", (pattern, name, expected) => {
    expect(dnsPatternMatches(pattern, name)).toBe(expected);
  });

  it("an empty list of patterns matches every name; otherwise any one pattern does", () => {
    expect(dnsPatternsMatch([], "whatever.test.")).toBe(true);
    expect(dnsPatternsMatch(["a.test", "b.*"], "b.example.")).toBe(true);
    expect(dnsPatternsMatch(["a.test", "b.*"], "c.example.")).toBe(false);
  });
});
