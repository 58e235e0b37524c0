import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Stressor leases: how long each stressor (by its uid) may run unless the manager renews it. One
 * file per stressor, `<dir>/<uid>`, holding the expiry in ms since the epoch. The directory sits
 * beside the marker secret (on a node: the host's `/run/faultline/stress-leases`), so a restarted
 * daemon finds the leases of what an earlier one started, and stops what is past its lease: a
 * confirmed stressor survives the restart, an orphaned one does not outlive its lease. Only the
 * daemon (root) writes there.
 */
export const leaseDirBeside = (markerSecretFile: string) => join(dirname(markerSecretFile), "stress-leases");

const uidPattern = /^[0-9a-f-]{36}$/;

/** Sets (or moves) the expiry of the stressor `uid`; written whole or not at all. */
export function writeStressorLease(dir: string, uid: string, expiresAtMs: number): void {
  if (!uidPattern.test(uid)) throw new Error(`stressor uid ${JSON.stringify(uid)} is not a uid`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${uid}.${process.pid}.tmp`);
  writeFileSync(tmp, `${Math.round(expiresAtMs)}\n`, { mode: 0o600 });
  renameSync(tmp, join(dir, uid));
}

/** Every lease in `dir` (none when it does not exist); a file that is not a lease is ignored. */
export function readStressorLeases(dir: string): { uid: string; expiresAtMs: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const leases: { uid: string; expiresAtMs: number }[] = [];
  for (const uid of names.filter((n) => uidPattern.test(n))) {
    try {
      const text = readFileSync(join(dir, uid), "utf8").trim();
      if (/^\d+$/.test(text)) leases.push({ uid, expiresAtMs: Number(text) });
    } catch {
      // removed meanwhile
    }
  }
  return leases;
}

/** The uids whose lease has passed at `nowMs`. */
export const expiredStressorLeases = (leases: readonly { uid: string; expiresAtMs: number }[], nowMs: number): string[] =>
  leases.filter((l) => l.expiresAtMs <= nowMs).map((l) => l.uid);

export function removeStressorLease(dir: string, uid: string): void {
  if (uidPattern.test(uid)) rmSync(join(dir, uid), { force: true });
}
