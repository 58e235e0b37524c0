/**
 * The stress-ng options a StressChaos may use: an allowlist, each option with the grammar of its
 * value, written once. The CRD's CEL rule (admission) and the daemon's check (before anything runs)
 * are both built from it. stress-ng's getopt_long takes an exact name, else an unambiguous prefix
 * of one name among ALL its options (`stress-ng-option-names.ts`); the daemon resolves every token
 * that way to name what it refuses, and both layers accept allowed options by their full names
 * only, so no prefix (of a refused option or any other) gets through either. Everything not listed
 * here is refused: stressors that touch files, devices, the network, kernel settings, other
 * processes or the scheduler act on the node, not the container.
 */
import { stressNgHelpOptions, stressNgUnlistedOptions } from "./stress-ng-option-names.js";

/** A value grammar: a regular expression (RE2 and JavaScript alike, no anchors), an example and a value it refuses. */
export interface StressNgValueGrammar {
  pattern: string;
  description: string;
  bad: string;
}

/** The value grammars of the allowed options. */
export const stressNgValueGrammars = {
  count: { pattern: "[0-9]{1,5}", description: "a number of workers (0 = one per CPU)", bad: "2x" },
  number: { pattern: "[0-9]{1,15}", description: "a count", bad: "-1" },
  percent: { pattern: "[0-9]{1,3}", description: "a percentage, 0–100", bad: "50%" },
  slice: { pattern: "-?[0-9]{1,6}", description: "a time slice: ms, or a negative number", bad: "10ms" },
  bytes: { pattern: "[0-9]{1,15}(\\.[0-9]{1,6})?[bBkKmMgGtT%]?", description: "bytes, optionally with a unit B, K, M, G, T or %", bad: "1MiB" },
  time: { pattern: "[0-9]{1,9}(\\.[0-9]{1,6})?[smhdy]?", description: "a time, optionally with a unit s, m, h, d or y", bad: "1w" },
  name: { pattern: "[a-z0-9][a-z0-9_-]{0,39}", description: "a method or advice name", bad: "Sqrt" },
} as const satisfies { [name: string]: StressNgValueGrammar };

export type StressNgValueKind = keyof typeof stressNgValueGrammars;

/** One allowed option: its value (none for a flag), an accepted example value, and its short form. */
export interface StressNgAllowedOption {
  value?: StressNgValueKind;
  /** A value stress-ng itself accepts (the specs run it through `stress-ng --dry-run`). */
  example?: string;
  short?: string;
}

const flag: StressNgAllowedOption = {};
const v = (value: StressNgValueKind, example: string, short?: string): StressNgAllowedOption => ({ value, example, ...(short ? { short } : {}) });

/**
 * The allowed options, by long name. General control (timeout, output, seeding, OOM handling of the
 * process itself) and the stressors that spend only the process's own CPU time and memory: cpu, vm,
 * matrix, memcpy, malloc, bigheap, stream.
 */
export const stressNgAllowedOptions: { readonly [name: string]: StressNgAllowedOption } = {
  // general control
  timeout: v("time", "60s", "t"),
  backoff: v("number", "1000", "b"),
  abort: flag,
  "keep-name": { short: "k" },
  metrics: { short: "M" },
  "metrics-brief": flag,
  quiet: { short: "q" },
  times: flag,
  verify: flag,
  seed: v("number", "42"),
  "no-rand-seed": flag,
  "no-madvise": flag,
  "page-in": flag,
  oomable: flag,
  "oom-avoid": flag,
  "no-oom-adjust": flag,
  // cpu
  cpu: v("count", "2", "c"),
  "cpu-load": v("percent", "50", "l"),
  "cpu-load-slice": v("slice", "-30"),
  "cpu-method": v("name", "sqrt"),
  "cpu-ops": v("number", "1000"),
  // vm: anonymous memory
  vm: v("count", "1", "m"),
  "vm-bytes": v("bytes", "64M"),
  "vm-hang": v("time", "0"),
  "vm-keep": flag,
  "vm-madvise": v("name", "normal"),
  "vm-method": v("name", "flip"),
  "vm-ops": v("number", "1000"),
  "vm-populate": flag,
  // matrix
  matrix: v("count", "1"),
  "matrix-method": v("name", "prod"),
  "matrix-ops": v("number", "1000"),
  "matrix-size": v("number", "128"),
  "matrix-yx": flag,
  // memcpy
  memcpy: v("count", "1"),
  "memcpy-method": v("name", "libc"),
  "memcpy-ops": v("number", "1000"),
  // malloc
  malloc: v("count", "1"),
  "malloc-bytes": v("bytes", "64K"),
  "malloc-max": v("number", "1000"),
  "malloc-ops": v("number", "1000"),
  "malloc-pthreads": v("number", "2"),
  "malloc-thresh": v("bytes", "128K"),
  "malloc-touch": flag,
  "malloc-zerofree": flag,
  // bigheap
  bigheap: v("count", "1", "B"),
  "bigheap-growth": v("bytes", "64K"),
  "bigheap-ops": v("number", "1000"),
  // stream: memory bandwidth
  stream: v("count", "1"),
  "stream-index": v("number", "1"),
  "stream-l3-size": v("bytes", "4M"),
  "stream-madvise": v("name", "normal"),
  "stream-ops": v("number", "1000"),
};

/** Every option name stress-ng takes, as getopt_long resolves prefixes against. */
export const stressNgAllOptions: readonly string[] = [...new Set([...stressNgHelpOptions, ...stressNgUnlistedOptions])].sort();

const shortOptions = new Map(Object.entries(stressNgAllowedOptions).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));

/** What an option token resolves to, the way getopt_long reads it. */
export type StressNgResolution = { name: string } | { ambiguous: string[] } | { unknown: true };

/**
 * Resolves a long option name (without `--`) as getopt_long does: an exact name wins; else the one
 * option it is a prefix of; else it is ambiguous (several) or unknown (none).
 */
export function resolveStressNgOption(spelled: string, all: readonly string[] = stressNgAllOptions): StressNgResolution {
  if (all.includes(spelled)) return { name: spelled };
  const matches = all.filter((name) => name.startsWith(spelled));
  if (matches.length === 1) return { name: matches[0]! };
  return matches.length === 0 ? { unknown: true } : { ambiguous: matches };
}

/** An argument string the allowlist refuses. */
export class StressNgOptionError extends Error {
  override name = "StressNgOptionError";
}

/**
 * Checks stress-ng's argv against the allowlist and returns it canonical: every option by its full
 * long name, its value as the next argument (`-t 60` → `--timeout 60`, `--cpu-load=5` →
 * `--cpu-load 5`), so stress-ng sees exactly what was checked. Every `--` token is first resolved
 * as getopt_long would (so a prefix of a refused option is refused as that option, and an
 * ambiguous one as ambiguous); an allowed option must then be written in full. A stray value, an
 * option not allowed, an abbreviation, a missing or malformed value: refused, naming the token.
 */
export function checkStressNgArgv(tokens: readonly string[], field: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let name: string;
    let inline: string | undefined;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const spelled = eq < 0 ? token.slice(2) : token.slice(2, eq);
      inline = eq < 0 ? undefined : token.slice(eq + 1);
      const resolved = resolveStressNgOption(spelled);
      if ("ambiguous" in resolved) throw new StressNgOptionError(`${field}: --${spelled} is ambiguous: it may be --${resolved.ambiguous.slice(0, 6).join(", --")}${resolved.ambiguous.length > 6 ? ", …" : ""}`);
      if ("unknown" in resolved) throw new StressNgOptionError(`${field}: --${spelled} is not a stress-ng option`);
      name = resolved.name;
      const as = name === spelled ? "" : ` (--${spelled} is --${name})`;
      if (!(name in stressNgAllowedOptions)) {
        throw new StressNgOptionError(`${field}: --${name}${as} is not allowed: only CPU and memory stressors and their options are (${allowedSummary()})`);
      }
      // stress-ng would take the abbreviation; the CRD's rule (whose cost grows with every spelling
      // it knows) takes full names only, and so does this check, so the two never disagree
      if (name !== spelled) throw new StressNgOptionError(`${field}: --${spelled} stands for --${name}: write the option's full name`);
    } else if (/^-[A-Za-z]$/.test(token)) {
      const long = shortOptions.get(token[1]!);
      if (long === undefined) throw new StressNgOptionError(`${field}: ${token} is not allowed: of the short options only ${[...shortOptions.keys()].map((s) => `-${s}`).join(", ")} are`);
      name = long;
    } else {
      throw new StressNgOptionError(`${field}: ${JSON.stringify(token)} is neither an allowed stress-ng option nor the value of one`);
    }
    const option = stressNgAllowedOptions[name]!;
    if (option.value === undefined) {
      if (inline !== undefined) throw new StressNgOptionError(`${field}: --${name} takes no value`);
      out.push(`--${name}`);
      continue;
    }
    const value = inline ?? tokens[++i];
    if (value === undefined) throw new StressNgOptionError(`${field}: --${name} needs a value (${stressNgValueGrammars[option.value].description})`);
    if (!new RegExp(`^(${stressNgValueGrammars[option.value].pattern})$`).test(value)) {
      throw new StressNgOptionError(`${field}: --${name} ${JSON.stringify(value)} is not ${stressNgValueGrammars[option.value].description}`);
    }
    out.push(`--${name}`, value);
  }
  return out;
}

const allowedSummary = () => Object.keys(stressNgAllowedOptions).map((n) => `--${n}`).join(", ");

/**
 * One regular expression (RE2 and JavaScript alike) that a whole argument string matches exactly
 * when the daemon's {@link checkStressNgArgv} accepts it: options and values separated by spaces,
 * every option an allowed one by its full name with a value of its grammar. The CRD's CEL rules
 * use it.
 */
export const stressNgAllowedArgumentsPattern: string = (() => {
  // grouped by value grammar, each grammar written once: the pattern stays small, and so does its
  // CEL cost (the API server charges a match by string length times pattern length)
  const alternatives: string[] = [];
  for (const kind of [undefined, ...(Object.keys(stressNgValueGrammars) as StressNgValueKind[])]) {
    const names = Object.keys(stressNgAllowedOptions).filter((name) => stressNgAllowedOptions[name]!.value === kind);
    const shorts = names.flatMap((name) => stressNgAllowedOptions[name]!.short ?? []);
    if (names.length === 0) continue;
    const long = `--(${names.join("|")})`;
    const short = shorts.length === 0 ? undefined : `-[${shorts.join("")}]`;
    if (kind === undefined) alternatives.push(long, ...(short ? [short] : []));
    else {
      const value = `(${stressNgValueGrammars[kind].pattern})`;
      alternatives.push(short ? `(${long}(=| +)|${short} +)${value}` : `${long}(=| +)${value}`);
    }
  }
  // each option (with its value) followed by spaces or the end: the alternation written once
  return `^ *((${alternatives.join("|")})( +|$))*$`;
})();
