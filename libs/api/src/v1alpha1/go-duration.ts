/** Thrown for a duration Go's time.ParseDuration would refuse. */
export class InvalidDurationError extends Error {
  override name = "InvalidDurationError";
  constructor(readonly duration: string) {
    super(`invalid duration ${JSON.stringify(duration)}: expected a Go duration such as "30s", "1m30s" or "1.5h"`);
  }
}

const unitMs: { [unit: string]: number } = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`spec.duration`, as Chaos Mesh writes it) into milliseconds.
 *
 * @example
 * parseGoDuration("1m30s") // 90000
 */
export function parseGoDuration(duration: string): number {
  const text = duration.trim();
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (text === "0") return 0;
  if (!match) throw new InvalidDurationError(duration);
  let total = 0;
  for (const part of text.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * unitMs[part[2]!]!;
  }
  return match[1] === "-" ? -total : total;
}
