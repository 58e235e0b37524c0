import { memorySizeBytes } from "./memory-size.js";
import { stressNgArgumentsPattern, stressNgForbiddenOptions } from "./stress-ng-grammar.js";

/** An ExecStressors argument string the daemon refuses; nothing has been started. */
export class StressArgumentsError extends Error {
  override name = "StressArgumentsError";
}

const maxTokens = 64;
const optionToken = /^(--[a-z0-9][a-z0-9-]*(=[A-Za-z0-9._%:,+-]+)?|-[A-Za-z]|-[0-9][0-9.]*)$/; // --long[=value], -x, or a negative number
const valueToken = /^[A-Za-z0-9._%:,+][A-Za-z0-9._%:,+-]*$/; // a value never starts with "-": that is an option

/**
 * Splits one ExecStressors argument string into argv, checking every token: an option (`-x`,
 * `--name`, `--name=value`) or a plain value, from letters, digits and `. _ % : , + -` only; none of
 * the forbidden options (files on the node, node settings); at most 64 tokens. Never a shell.
 *
 * @example
 * stressNgTokens("--cpu 2 --cpu-load 50", "cpuStressors"); // ["--cpu", "2", "--cpu-load", "50"]
 */
export function stressNgTokens(args: string, field: string): string[] {
  if (args.length > 1024) throw new StressArgumentsError(`${field} is longer than 1024 characters`);
  if (!new RegExp(stressNgArgumentsPattern).test(args)) {
    throw new StressArgumentsError(`${field} holds a character other than letters, digits, ". _ % : , + = -" and spaces: ${JSON.stringify(args)}`);
  }
  const tokens = args.split(" ").filter((t) => t !== "");
  if (tokens.length > maxTokens) throw new StressArgumentsError(`${field} has more than ${maxTokens} arguments`);
  for (const token of tokens) {
    if (stressNgForbiddenOptions.includes(token.split("=")[0]!)) {
      throw new StressArgumentsError(`${field}: ${token.split("=")[0]} is not allowed: it names files on the node or changes its settings`);
    }
    if (!optionToken.test(token) && !valueToken.test(token)) throw new StressArgumentsError(`${field}: ${JSON.stringify(token)} is neither a stress-ng option nor a plain value`);
  }
  return tokens;
}

/** A memory stressor, read from Chaos Mesh's `--workers N [--size S] [stress-ng options…]`. */
export interface MemoryStressor {
  workers: number;
  /** `size` as given ("256MB", "50%"); undefined = 100%. */
  size?: string;
  /** The remaining arguments, stress-ng options for the vm stressor. */
  options: string[];
}

/** Reads a memory stressor string (Chaos Mesh's memStress form) after {@link stressNgTokens}. */
export function parseMemoryStressor(args: string): MemoryStressor {
  const tokens = stressNgTokens(args, "memoryStressors");
  let workers: number | undefined;
  let size: string | undefined;
  const options: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const [name, inline] = tokens[i]!.split("=", 2) as [string, string | undefined];
    if (name === "--workers" || name === "-w" || name === "--size" || name === "-s") {
      const value = inline ?? tokens[++i];
      if (value === undefined) throw new StressArgumentsError(`memoryStressors: ${name} needs a value`);
      if (name === "--workers" || name === "-w") {
        if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 8192) throw new StressArgumentsError(`memoryStressors: workers must be 1–8192, got ${value}`);
        workers = Number(value);
      } else size = value;
    } else options.push(tokens[i]!);
  }
  if (workers === undefined) throw new StressArgumentsError("memoryStressors: --workers is missing");
  return { workers, ...(size === undefined ? {} : { size }), options };
}

/**
 * The stress-ng argv of a memory stressor: `--vm N --vm-bytes <bytes>` (stress-ng splits the bytes
 * among the N workers), `--vm-keep --vm-hang 0` so the workers write the memory once and hold it
 * rather than burn CPU remapping it, then the stressor's own options. `wholeBytes` is what a
 * percentage is taken of: the container's memory limit, or the node's memory.
 */
export function memoryStressorArgv(stressor: MemoryStressor, wholeBytes: number): string[] {
  let bytes: number;
  try {
    bytes = memorySizeBytes(stressor.size ?? "100%", wholeBytes);
  } catch (err) {
    throw new StressArgumentsError(`memoryStressors: ${(err as Error).message}`);
  }
  if (bytes < 4096 * stressor.workers) throw new StressArgumentsError(`memoryStressors: size ${stressor.size} is ${bytes} bytes, less than 4 KiB per worker`);
  return ["--vm", String(stressor.workers), "--vm-bytes", `${bytes}b`, "--vm-keep", "--vm-hang", "0", ...stressor.options];
}
