import { heldRecordKey } from "@faultline/chaos/held-injections";
import { checkSetTimeRequest, composedOffsets, timeChaosClockIds, timeOffsetNanos, timeRequestFieldsOf, timeSkewKey, withEntry, withoutEntry, type TimeChaosSpec } from "@faultline/chaos/time";

/**
 * Chaos Mesh's time-chaos-example, followed through: what the manager sends for one record, how a
 * second TimeChaos on the same container composes with it per clock, and an offset admission refuses.
 */
export function followTimeChaosExample() {
  const spec: TimeChaosSpec = { mode: "one", selector: { namespaces: ["busybox"] }, timeOffset: "-10m100ns", clockIds: ["CLOCK_REALTIME"] };
  const containerId = `containerd://${"ab".repeat(32)}`;

  // manager: Chaos Mesh's split (sec truncated toward zero, nsec the rest, same sign), bit n for Linux
  // clock id n, and the record key as uid
  const { sec, nsec, clkIdsMask } = timeRequestFieldsOf(spec);
  const uid = heldRecordKey("5b7e3c1d-uid", "busybox/busybox-0/busybox");
  const sent = { sec, nsec, clkIdsMask, uid };

  // daemon: each uid an entry, keyed by sha256(uid)'s first 16 bytes; a second TimeChaos (+1h on
  // CLOCK_REALTIME and CLOCK_MONOTONIC) adds its offset per clock
  const entryOf = (req: typeof sent) => ({ key: timeSkewKey(req.uid), ...checkSetTimeRequest({ containerId, ...req }) });
  const first = entryOf(sent);
  const second = entryOf({
    ...timeRequestFieldsOf({ ...spec, timeOffset: "1h", clockIds: ["CLOCK_REALTIME", "CLOCK_MONOTONIC"] }),
    uid: heldRecordKey("9a4f2e6b-uid", "busybox/busybox-0/busybox"),
  });
  const byClock = (entries: typeof first[]) => Object.fromEntries([...composedOffsets(entries)].map(([clock, ns]) => [timeChaosClockIds[clock], ns]));
  const both = withEntry(withEntry([], first), second);
  const composed = byClock(both);
  const secondRecovered = byClock(withoutEntry(both, second.key));

  // and an offset that is not a Go duration, refused (admission's rule is the same pattern)
  let refused = "";
  try {
    timeOffsetNanos("-10 minutes");
  } catch (error) {
    refused = (error as Error).message;
  }
  return { sent, firstEntry: first, composed, secondRecovered, refused };
}
