import type { TimeRequest } from "@faultline/api";
import { checkContainerId, invalid } from "../pod-netns-process/pod-request-validation.js";
import { maxTimeOffsetSeconds, timeChaosMaskBits } from "./time-offset.js";
import { timeSkewKey } from "./time-skew-helper.js";

/** A TimeSkewHelper entry as the daemon composes them (the wrapper's `TimeSkewEntry`). */
export interface SkewEntry {
  key: string;
  mask: number;
  sec: number;
  nsec: number;
}

/** The most offsets one container's processes carry at once (the helper's image holds 8). */
export const maxComposedOffsets = 8;

/** A uid (the key an offset is held under): 1..512 characters. */
export function checkTimeUid(uid: string): void {
  if (uid.length === 0) throw invalid("uid", "a uid is required (the key the offset is held under)");
  if (uid.length > 512) throw invalid("uid", `is ${uid.length} characters long: at most 512`);
}

/** A pod's UID, ':', a container name (a DNS-1123 label), as Chaos Mesh's manager sends it. */
const podContainerNamePattern = /^[0-9A-Za-z-]*:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * `podContainerName`: empty, or `<podUID>:<container>` of at most 512 characters (it is written to
 * the node's state file and to logs, so nothing else is taken).
 */
export function checkPodContainerName(name: string): void {
  if (name === "") return;
  if (name.length > 512) throw invalid("podContainerName", `is ${name.length} characters long: at most 512`);
  if (!podContainerNamePattern.test(name)) throw invalid("podContainerName", `${JSON.stringify(name)} is not <podUID>:<container> (a UID of letters, digits and '-', a container name that is a DNS-1123 label)`);
}

/**
 * Checks a SetTimeOffset request strictly, before anything is touched (InvalidArgument naming the
 * field): a runtime-prefixed container id, |sec| ≤ 10^10, |nsec| < 10^9 and of the same sign as
 * sec, a non-zero mask of bits 0..9 (the clock ids TimeChaos knows), a uid of 1..512 characters,
 * a podContainerName empty or `<podUID>:<container>` (≤ 512).
 * Returns the offset and mask as numbers (exact: every admitted value fits a double).
 */
export function checkSetTimeRequest(req: Pick<TimeRequest, "containerId" | "sec" | "nsec" | "clkIdsMask" | "uid"> & { podContainerName?: string }): { sec: number; nsec: number; mask: number } {
  checkContainerId(req.containerId);
  const limit = BigInt(maxTimeOffsetSeconds);
  if (req.sec > limit || req.sec < -limit) throw invalid("sec", `${req.sec} is more than ${maxTimeOffsetSeconds} seconds away`);
  if (req.nsec >= 1_000_000_000n || req.nsec <= -1_000_000_000n) throw invalid("nsec", `${req.nsec} is not within (-10^9, 10^9)`);
  if ((req.sec > 0n && req.nsec < 0n) || (req.sec < 0n && req.nsec > 0n)) throw invalid("nsec", `${req.nsec} has the other sign than sec ${req.sec}: the remainder of an offset has its sign`);
  if (req.clkIdsMask === 0n) throw invalid("clkIdsMask", "no clock: at least one bit (bit n = Linux clock id n) must be set");
  if ((req.clkIdsMask & ~timeChaosMaskBits) !== 0n) throw invalid("clkIdsMask", `0x${req.clkIdsMask.toString(16)} has bits beyond 0..9 (CLOCK_REALTIME .. CLOCK_BOOTTIME_ALARM)`);
  checkTimeUid(req.uid);
  checkPodContainerName(req.podContainerName ?? "");
  return { sec: Number(req.sec), nsec: Number(req.nsec), mask: Number(req.clkIdsMask) };
}

/**
 * The helper entry a SetTimeOffset request gives its container, checked first
 * ({@link checkSetTimeRequest}): the uid's key, the mask, the offset. What the daemon composes with
 * the container's other entries, and what a plan shows it would give.
 */
export function skewEntryOf(req: Parameters<typeof checkSetTimeRequest>[0]): SkewEntry {
  const { sec, nsec, mask } = checkSetTimeRequest(req);
  return { key: timeSkewKey(req.uid), mask, sec, nsec };
}

/** Checks a RecoverTimeOffset request: a container id, a uid, a podContainerName (the offset fields are not read). */
export function checkRecoverTimeRequest(req: Pick<TimeRequest, "containerId" | "uid"> & { podContainerName?: string }): void {
  checkContainerId(req.containerId);
  checkTimeUid(req.uid);
  checkPodContainerName(req.podContainerName ?? "");
}

/** Thrown when a container already carries {@link maxComposedOffsets} other offsets. */
export class TooManyOffsetsError extends Error {
  override name = "TooManyOffsetsError";
}

/**
 * A container's entries with `entry` in force: its own key's entry replaced (the same uid again
 * changes its offset, never adds one), the others kept in their order.
 */
export function withEntry(current: readonly SkewEntry[], entry: SkewEntry, containerId = "the container"): SkewEntry[] {
  const others = current.filter((e) => e.key !== entry.key);
  if (others.length >= maxComposedOffsets) {
    throw new TooManyOffsetsError(`${containerId} already carries ${others.length} TimeChaos offsets: at most ${maxComposedOffsets} compose on one container; recover one first`);
  }
  return [...others, entry];
}

/** A container's entries without `key`'s. */
export function withoutEntry(current: readonly SkewEntry[], key: string): SkewEntry[] {
  return current.filter((e) => e.key !== key);
}

/** Whether two entry lists are the same set (order aside). */
export function sameEntries(a: readonly SkewEntry[], b: readonly SkewEntry[]): boolean {
  const text = (l: readonly SkewEntry[]) => l.map((e) => `${e.key}:${e.mask}:${e.sec}:${e.nsec}`).sort().join(",");
  return text(a) === text(b);
}

/**
 * What the processes' clocks read, per clock, with these entries: the offsets of the entries whose
 * mask has the clock's bit, summed (in nanoseconds), for the clocks that move.
 */
export function composedOffsets(entries: readonly SkewEntry[]): Map<number, bigint> {
  const sums = new Map<number, bigint>();
  for (const e of entries) {
    for (let clock = 0; clock < 16; clock++) {
      if (((e.mask >>> clock) & 1) === 0) continue;
      sums.set(clock, (sums.get(clock) ?? 0n) + BigInt(e.sec) * 1_000_000_000n + BigInt(e.nsec));
    }
  }
  return sums;
}
