import { createHash } from "node:crypto";

const maxLabelValue = 63;
const maxObjectName = 253;

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);
const trimEnd = (text: string) => text.replace(/[^a-z0-9]+$/i, "");

/**
 * The `managed-by` label value for a Schedule: its name, or when that is longer than a label
 * value may be (63), its first 52 characters, "-" and a hash of the whole name.
 */
export function managedByValue(scheduleName: string): string {
  if (scheduleName.length <= maxLabelValue) return scheduleName;
  return `${trimEnd(scheduleName.slice(0, maxLabelValue - 11))}-${hash(scheduleName)}`;
}

/**
 * The name of the child spawned for a slot: `<schedule>-<slot in Unix seconds>`. The same slot
 * always gives the same name, so a second create after a restart gets 409 instead of a second run.
 * A name too long for an object name (253) is cut and keeps a hash of the whole.
 *
 * @example
 * childName("nightly-kill", new Date("2026-12-02T03:00:00Z")) // "nightly-kill-1796180400"
 */
export function childName(scheduleName: string, slot: Date): string {
  const suffix = `-${Math.floor(slot.getTime() / 1000)}`;
  if (scheduleName.length + suffix.length <= maxObjectName) return scheduleName + suffix;
  return `${trimEnd(scheduleName.slice(0, maxObjectName - suffix.length - 11))}-${hash(scheduleName)}${suffix}`;
}
