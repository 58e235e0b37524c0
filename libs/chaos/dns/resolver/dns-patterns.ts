// DNSChaos's pattern grammar (Chaos Mesh's `spec.patterns`), checked in one place for the CRD's
// admission rule, the daemon's request validation and the interceptor's matching.
//
// A pattern is a domain name: labels of letters, digits, "-" and "_", separated by single dots
// (none empty, none longer than 63 characters, the whole at most 253 characters), where
//   - "?" stands for exactly one character of a label (never a dot), and
//   - "*" may only be the LAST character of the pattern; it matches any rest of the name,
//     including nothing and including further labels ("exam*" matches "exam", "example" and
//     "example.test"; "example.*" matches "example.test" and "example.a.b", not "example").
// Matching ignores case and is against the query name without its trailing dot.
// An empty list of patterns means every name (`dnsPatternsMatch([], name)` is true).

/** The longest pattern accepted: the longest domain name (RFC 1035) written without its trailing dot. */
export const dnsPatternMaxLength = 253;
/** The longest label of a pattern ("?" counts as one character, a trailing "*" as none). */
export const dnsPatternMaxLabelLength = 63;

const labelChar = /^[A-Za-z0-9_?-]$/;

/**
 * What is wrong with a DNSChaos pattern, as a message naming it, or undefined when it is valid.
 *
 * @example dnsPatternProblem("a*b") // 'pattern "a*b" has "*" before its end: only a trailing "*" is allowed'
 */
export function dnsPatternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== "string") return `pattern ${JSON.stringify(pattern) ?? String(pattern)} is not a string`;
  const p = JSON.stringify(pattern);
  if (pattern.length === 0) return `pattern "" is empty: give a domain name such as "api.example.test", or leave patterns empty for every name`;
  if (pattern.length > dnsPatternMaxLength) {
    return `pattern ${p} is ${pattern.length} characters long: at most ${dnsPatternMaxLength} are allowed`;
  }
  const star = pattern.indexOf("*");
  if (star !== -1 && star !== pattern.length - 1) {
    return `pattern ${p} has "*" before its end: only a trailing "*" is allowed`;
  }
  const body = star === -1 ? pattern : pattern.slice(0, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "." && !labelChar.test(c)) {
      return `pattern ${p} has ${JSON.stringify(c)} at position ${i + 1}: only letters, digits, "-", "_", "?", dots between labels and a trailing "*" are allowed`;
    }
  }
  if (body === "") return undefined; // "*" alone: every name
  // a dot right before the trailing "*" ("example.*") ends the last label, so it leaves no empty one
  const labels = (star !== -1 && body.endsWith(".") ? body.slice(0, -1) : body).split(".");
  if (labels.some((l) => l === "")) {
    return `pattern ${p} has an empty label: labels are separated by single dots, with none at the start or the end`;
  }
  const long = labels.find((l) => l.length > dnsPatternMaxLabelLength);
  if (long !== undefined) {
    return `pattern ${p} has a label of ${long.length} characters ("${long.slice(0, 12)}…"): at most ${dnsPatternMaxLabelLength} are allowed`;
  }
  return undefined;
}

const labelClass = "[A-Za-z0-9_?-]";
const label = `${labelClass}{1,${dnsPatternMaxLabelLength}}`;

/**
 * One RE2-compatible regular expression (no lookaround, no backreference) that accepts the valid
 * patterns, for the CRD's CEL rule `self.matches(...)`. It checks the structure (characters,
 * labels, where "*" may be); the whole pattern's length is not expressible in RE2 without
 * lookahead, so the schema bounds it with `maxLength: dnsPatternMaxLength` (which CEL's cost
 * estimate needs anyway). For every string of at most 253 characters, the regex accepts it exactly
 * when `dnsPatternProblem` returns undefined (dns-patterns.spec.ts checks both on a table and on
 * generated strings).
 */
export const dnsPatternRegexSource = `^(?:\\*|${label}(?:\\.${label})*(?:\\.?\\*)?)$`;

/**
 * Whether a query name matches one pattern (assumed valid: see dnsPatternProblem). The name may
 * carry its trailing dot; case is ignored.
 *
 * @example dnsPatternMatches("api.example.te?t", "API.example.test.") // true
 */
export function dnsPatternMatches(pattern: string, name: string): boolean {
  const n = (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
  const p = pattern.toLowerCase();
  const trailingStar = p.endsWith("*");
  const fixed = trailingStar ? p.length - 1 : p.length;
  if (trailingStar ? n.length < fixed : n.length !== fixed) return false;
  for (let i = 0; i < fixed; i++) {
    const pc = p[i]!;
    const nc = n[i]!;
    if (pc === "?") {
      if (nc === ".") return false;
    } else if (pc !== nc) {
      return false;
    }
  }
  return true;
}

/** Whether a query name matches a DNSChaos's patterns: any of them, or every name when there are none. */
export function dnsPatternsMatch(patterns: readonly string[], name: string): boolean {
  return patterns.length === 0 || patterns.some((p) => dnsPatternMatches(p, name));
}
