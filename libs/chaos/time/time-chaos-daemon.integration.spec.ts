import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { daemonClient } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import { timeSkewKey } from "./time-skew-helper.js";
import { realtimeOffset, startClockContainer, startTimeChaosTestDaemon, type ClockContainer, type ClockLine, type TimeChaosTestDaemon } from "./time-daemon.test-support.js";

// Real containerd, real containers whose processes print their clocks, the real faultline-time-skew
// helper, real gRPC: what a TimeChaos does to the processes of a container, and undoes.
const uidA = "11111111-2222-3333-4444-555555555555/default/clock/main";
const uidB = "99999999-2222-3333-4444-555555555555/default/clock/main";
const hour = 3600n;

/** Polls `read` every 50 ms until `ok` holds of what it read, for at most `withinMs`; what it read last. */
async function within<T>(withinMs: number, read: () => T, ok: (value: T) => boolean): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const value = read();
    if (ok(value)) return { value, ms: Date.now() - start };
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const near = (expected: number) => (line: ClockLine | undefined) => Math.abs(realtimeOffset(line) - expected) < 0.3;

describe("TimeChaos's daemon on real containers", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: TimeChaosTestDaemon;
  const client = () => daemonClient(daemon);

  beforeAll(async () => {
    daemon = await startTimeChaosTestDaemon();
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  const set = (c: ClockContainer, uid: string, sec: bigint, clkIdsMask = 1n, nsec = 0n) => client().setTimeOffset({ containerId: c.containerId, sec, nsec, clkIdsMask, uid, podContainerName: "pod-uid:main" });
  const recover = (c: ClockContainer, uid: string) => client().recoverTimeOffset({ containerId: c.containerId, uid });

  it("SetTimeOffset shows the offset within a second, RecoverTimeOffset takes it away within a second; CLOCK_MONOTONIC only when asked", async () => {
    const c = await startClockContainer(pods, "clock-set");
    expect(Math.abs(realtimeOffset(c.before()))).toBeLessThan(0.3);
    const monotonicBefore = c.before()!.monotonic;
    await set(c, uidA, -hour);
    const shown = (await within(1000, c.before, near(-3600))).value!;
    expect(shown.gettimeofday - shown.raw).toBeCloseTo(-3600, 0);
    expect(shown.time - Math.floor(shown.raw)).toBeGreaterThanOrEqual(-3601);
    expect(shown.time - Math.floor(shown.raw)).toBeLessThanOrEqual(-3599);
    // the monotonic clock runs on, unshifted (only CLOCK_REALTIME was asked)
    expect(shown.monotonic - monotonicBefore).toBeGreaterThan(0);
    expect(shown.monotonic - monotonicBefore).toBeLessThan(30);
    await recover(c, uidA);
    await within(1000, c.before, near(0));
    // CLOCK_MONOTONIC's bit: the monotonic clock jumps 10 minutes ahead, realtime stays
    const m0 = c.before()!.monotonic;
    await set(c, uidB, 600n, 2n);
    const jumped = await within(1000, c.before, (l) => l !== undefined && l.monotonic - m0 > 590);
    expect(Math.abs(realtimeOffset(jumped.value))).toBeLessThan(0.3);
    await recover(c, uidB);
  }, 60_000);

  it("two TimeChaos compose per clock, and recovering one keeps the other", async () => {
    const c = await startClockContainer(pods, "clock-compose");
    await set(c, uidA, -hour);
    await set(c, uidB, 600n, 1n, 500_000_000n);
    await within(1000, c.before, near(-3600 + 600.5));
    const listed = await client().listTimeChaos({});
    expect(listed.injections.find((i) => i.containerId === c.containerId)?.uids.sort()).toEqual([uidA, uidB].sort());
    await recover(c, uidA);
    await within(1000, c.before, near(600.5));
    expect((await client().listTimeChaos({})).injections.find((i) => i.containerId === c.containerId)?.uids).toEqual([uidB]);
    await recover(c, uidB);
    await within(1000, c.before, near(0));
    expect((await client().listTimeChaos({})).injections.find((i) => i.containerId === c.containerId)).toBeUndefined();
  }, 60_000);

  it("a process started in the container after injection is skewed within half a second (the watch)", async () => {
    const c = await startClockContainer(pods, "clock-later");
    await set(c, uidA, -hour);
    await within(1000, c.before, near(-3600));
    c.startLater();
    const first = await within(3000, c.after, (lines) => lines.length > 0);
    const skewed = await within(2000, c.after, (lines) => lines.some((l) => near(-3600)(l)));
    const firstSkewed = skewed.value.find((l) => near(-3600)(l))!;
    // from its first line to its first skewed one, on the raw (never skewed) clock
    const boundS = firstSkewed.raw - first.value[0]!.raw;
    expect(boundS).toBeLessThan(0.5);
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "TimeChaos watch gave the container's offsets to its new or partial processes", containerId: c.containerId }));
    // the container's pid 1, its leader (the shell exec'd it): the same pid, a new vDSO, a new identity
    expect(skewed.value.at(-1)!.pid).toBe(1);
    console.log(`a process exec'd after injection was skewed ${Math.round(boundS * 1000)} ms after its first clock read`);
    await recover(c, uidA);
    await within(1000, () => c.after().at(-1), near(0));
  }, 60_000);

  it("a daemon started again on the same state directory lists the injection and recovers it", async () => {
    const c = await startClockContainer(pods, "clock-restart");
    await set(c, uidA, -hour);
    await within(1000, c.before, near(-3600));
    await daemon.stop(); // as if killed: the processes keep their patch
    const state = JSON.parse(readFileSync(daemon.daemon.state.file(c.containerId), "utf8"));
    expect(state.uids).toEqual({ [timeSkewKey(uidA)]: uidA });
    daemon = await startTimeChaosTestDaemon({ stateDir: daemon.stateDir });
    expect(near(-3600)(c.before())).toBe(true);
    expect((await client().listTimeChaos({})).injections).toContainEqual(expect.objectContaining({ containerId: c.containerId, uids: [uidA] }));
    await recover(c, uidA);
    await within(1000, c.before, near(0));
  }, 60_000);

  it("Recover of a container that was deleted is OK, and ListTimeChaos no longer lists it", async () => {
    const c = await startClockContainer(pods, "clock-deleted");
    await set(c, uidA, -hour);
    await pods.removeAll();
    await expect(recover(c, uidA)).resolves.toBeDefined();
    expect((await client().listTimeChaos({})).injections.find((i) => i.containerId === c.containerId)).toBeUndefined();
  }, 60_000);

  it("refuses bad requests with InvalidArgument before touching the container, and an unknown container with NotFound", async () => {
    const c = await startClockContainer(pods, "clock-bad");
    await expect(set(c, uidA, -hour, 1n << 10n)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^clkIdsMask: /) });
    await expect(set(c, uidA, -1n, 0n, 5n)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^nsec: /) });
    await expect(set(c, uidA, 10_000_000_001n)).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^sec: /) });
    await new Promise((r) => setTimeout(r, 300));
    expect(Math.abs(realtimeOffset(c.before()))).toBeLessThan(0.3);
    await expect(client().setTimeOffset({ containerId: "containerd://" + "e".repeat(64), sec: 1n, clkIdsMask: 1n, uid: uidA })).rejects.toMatchObject({ code: Code.NotFound });
  }, 60_000);
});
