/** Every name a chaos kind's files use, derived from its kind name (for example `DiskFillChaos`). */
export interface ChaosKindNames {
  /** The kind, as in the CRD and on objects: `DiskFillChaos`. */
  kind: string;
  /** The kind without its `Chaos` suffix: `DiskFill`. */
  base: string;
  /** The folder under libs/chaos, and the kind's import path `@faultline/chaos/<folder>`: `diskfill`. */
  folder: string;
  /** The prefix of the kind's file names: `diskfill-chaos` (`diskfill-chaos-crd.ts`, …). */
  fileBase: string;
  /** The kind's definition, exported from its folder and listed in kinds.ts: `diskFillChaos`. */
  constName: string;
  /** The CRD's plural, as `defineChaosCrd` derives it: `diskfillchaos`. */
  plural: string;
  /** The daemon RPC of a daemon-backed kind: `ExecDiskFillChaos`. */
  rpc: string;
  /** That RPC's method on a Connect client or handler map: `execDiskFillChaos`. */
  method: string;
  /** That RPC's request message: `ExecDiskFillChaosRequest` (schema `ExecDiskFillChaosRequestSchema`). */
  request: string;
  /** The RPC that removes what the fault left, with `--recover`: `RecoverDiskFillChaos`. */
  recoverRpc: string;
  /** Its method on a Connect client or handler map: `recoverDiskFillChaos`. */
  recoverMethod: string;
  /** Its request message: `RecoverDiskFillChaosRequest`. */
  recoverRequest: string;
}

/** Thrown for a kind name the generator refuses, saying why. */
export class ChaosKindNameError extends Error {
  override name = "ChaosKindNameError";
}

const kindNamePattern = /^[A-Z][A-Za-z0-9]*Chaos$/;

/**
 * Lower camel case the way one reads it: a leading acronym is lowered whole (`IOChaos` → `ioChaos`,
 * `HTTPChaos` → `httpChaos`), an ordinary word by its first letter (`DiskFillChaos` → `diskFillChaos`).
 */
export function lowerCamel(name: string): string {
  const leadingCaps = /^[A-Z]+/.exec(name)?.[0] ?? "";
  if (leadingCaps.length <= 1) return name.charAt(0).toLowerCase() + name.slice(1);
  // "HTTPChaos": the run is "HTTPC"; its last capital starts the next word
  const acronym = leadingCaps.length === name.length ? leadingCaps : leadingCaps.slice(0, -1);
  return acronym.toLowerCase() + name.slice(acronym.length);
}

/**
 * Checks a kind name and derives the others from it. A kind name is CamelCase (letters and digits,
 * starting with a capital) and ends in `Chaos` with something before it, as Chaos Mesh's kinds do.
 *
 * @example
 * chaosKindNames("DiskFillChaos").folder; // "diskfill"
 * chaosKindNames("IOChaos").constName; // "ioChaos"
 */
export function chaosKindNames(kind: string): ChaosKindNames {
  if (!kindNamePattern.test(kind) || kind === "Chaos") {
    throw new ChaosKindNameError(
      `${JSON.stringify(kind)} is not a chaos kind name: CamelCase letters and digits ending in "Chaos", for example DiskFillChaos`,
    );
  }
  const base = kind.slice(0, -"Chaos".length);
  const folder = base.toLowerCase();
  return {
    kind,
    base,
    folder,
    fileBase: `${folder}-chaos`,
    constName: lowerCamel(kind),
    plural: kind.toLowerCase(),
    rpc: `Exec${kind}`,
    method: `exec${kind}`,
    request: `Exec${kind}Request`,
    recoverRpc: `Recover${kind}`,
    recoverMethod: `recover${kind}`,
    recoverRequest: `Recover${kind}Request`,
  };
}
