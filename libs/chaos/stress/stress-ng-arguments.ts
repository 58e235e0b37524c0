import { memorySizeBytes } from "./memory-size.js";
import { StressNgOptionError, checkStressNgArgv } from "./stress-ng-allowlist.js";
import { stressNgArgumentsPattern } from "./stress-ng-grammar.js";

/** An ExecStressors argument string the daemon refuses; nothing has been started. */
export class StressArgumentsError extends Error {
  override name = "StressArgumentsError";
}

const maxTokens = 64;

// the string's characters and length, then its tokens split on spaces (never a shell)
function splitArguments(args: string, field: string): string[] {
  if (args.length > 1024) throw new StressArgumentsError(`${field} is longer than 1024 characters`);
  if (!new RegExp(stressNgArgumentsPattern).test(args)) {
    throw new StressArgumentsError(`${field} holds a character other than letters, digits, ". _ % : , + = -" and spaces: ${JSON.stringify(args)}`);
  }
  const tokens = args.split(" ").filter((t) => t !== "");
  if (tokens.length > maxTokens) throw new StressArgumentsError(`${field} has more than ${maxTokens} arguments`);
  return tokens;
}

// the allowlist's check (stress-ng-allowlist.ts), its refusal as this module's error
function allowedArgv(tokens: string[], field: string): string[] {
  try {
    return checkStressNgArgv(tokens, field);
  } catch (err) {
    throw err instanceof StressNgOptionError ? new StressArgumentsError(err.message) : err;
  }
}

/**
 * Splits one ExecStressors argument string into stress-ng's argv, checked against the allowlist
 * (`stress-ng-allowlist.ts`: allowed options only, by their full names, each value of its
 * grammar; a prefix is refused, named as stress-ng would resolve it), from letters, digits and
 * `. _ % : , + = -` only, at most 64 tokens, and returned canonical: full option names, each value
 * its own argument. Never a shell.
 *
 * @example
 * stressNgTokens("--cpu 2 --cpu-l 50", "cpuStressors"); // throws: --cpu-l is ambiguous
 * stressNgTokens("--cpu 2 --hdd-w 4096", "cpuStressors"); // throws: --hdd-write-size (--hdd-w is --hdd-write-size) is not allowed
 * stressNgTokens("--cpu 2 --cpu-load=50 -t 60s", "cpuStressors"); // ["--cpu", "2", "--cpu-load", "50", "--timeout", "60s"]
 */
export function stressNgTokens(args: string, field: string): string[] {
  return allowedArgv(splitArguments(args, field), field);
}

/** A memory stressor, read from Chaos Mesh's `--workers N [--size S] [stress-ng options…]`. */
export interface MemoryStressor {
  workers: number;
  /** `size` as given ("256MB", "50%"); undefined = 100%. */
  size?: string;
  /** The remaining arguments, stress-ng options for the vm stressor. */
  options: string[];
}

/** Reads a memory stressor string (Chaos Mesh's memStress form); the options after `--workers` and `--size` are checked as stress-ng's. */
export function parseMemoryStressor(args: string): MemoryStressor {
  const tokens = splitArguments(args, "memoryStressors");
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
  return { workers, ...(size === undefined ? {} : { size }), options: allowedArgv(options, "memoryStressors") };
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
