import { SelectorError } from "./selector-error.js";

/** Pod phase selectors split into the phases to include (any) and to exclude (every `!Phase`). */
export interface PhaseSelector {
  include: readonly string[];
  exclude: readonly string[];
}

/**
 * Reads `podPhaseSelectors`: "Running" includes a phase, "!Failed" excludes one.
 * Throws a SelectorError for any other form.
 */
export function parsePhaseSelectors(selectors: readonly string[] | undefined): PhaseSelector {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const entry of selectors ?? []) {
    const match = /^\s*(!?)\s*([A-Za-z0-9][-A-Za-z0-9_.]*)\s*$/.exec(entry);
    if (!match) {
      throw new SelectorError("InvalidSelector", `podPhaseSelectors: ${JSON.stringify(entry)} is not "Phase" or "!Phase"`);
    }
    (match[1] ? exclude : include).push(match[2]!);
  }
  return { include, exclude };
}

/**
 * Whether a pod phase passes the phase selectors: when there are includes, one must equal the
 * phase; no exclude may equal it. No selectors pass every phase.
 *
 * ```ts
 * matchesPhaseSelector("Running", parsePhaseSelectors(["Running", "Pending"])); // true
 * matchesPhaseSelector("Failed", parsePhaseSelectors(["!Failed"])); // false
 * ```
 */
export function matchesPhaseSelector(phase: string | undefined, selector: PhaseSelector): boolean {
  const current = phase ?? "";
  if (selector.include.length > 0 && !selector.include.includes(current)) return false;
  return !selector.exclude.includes(current);
}
