// How results are printed: a table for people (the default), or -o json | yaml for programs.
import { stringify as toYaml } from "yaml";
import { UsageError } from "./cli-io.js";

export type OutputFormat = "table" | "json" | "yaml";

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return "table";
  if (value === "json" || value === "yaml") return value;
  throw new UsageError(`--output ${JSON.stringify(value)}: must be json or yaml (or left out for a table)`);
}

/** A value as JSON (indented) or YAML, ending in a newline. */
export function renderStructured(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value, { lineWidth: 0 });
}

/** Columns padded to their widest cell, two spaces apart, as kubectl prints them. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** `[########------] ` of `width` cells, full when total is 0 and done is 0 (nothing to do). */
export function progressBar(done: number, total: number, width = 20): string {
  const fraction = total === 0 ? 0 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(fraction * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

/** How long ago, kubectl-style: 45s, 12m, 3h, 2d. */
export function age(since: string | undefined, now: Date): string {
  if (since === undefined) return "-";
  const ms = now.getTime() - Date.parse(since);
  if (!Number.isFinite(ms)) return "-";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A Go-style duration flag (`60s`, `2m`, `1m30s`, `500ms`, or plain seconds) in milliseconds. */
export function parseDurationFlag(flag: string, value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const unit: { [u: string]: number } = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value;
  while (rest !== "") {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) throw new UsageError(`${flag} ${JSON.stringify(value)}: not a duration (for example 60s, 2m, 1m30s)`);
    total += Number(match[1]) * unit[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  if (total <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: must be more than 0`);
  return total;
}
