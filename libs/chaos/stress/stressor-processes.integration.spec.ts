import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "@faultline/test-ground";
import { findStressors, killStressors, loadMarkerSecret, markerMac, processStartTimeMs, stressMarkers, stressorUidOf } from "./stressor-processes.js";

// Real processes on this machine (no container needed): a stress-ng whose environment carries the
// marker names is a stressor only when its MAC is the daemon's.
describe("stressor markers bound to the daemon's secret", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-stress-marker-"));
  const file = join(dir, "state", "stress-marker.key");
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  /** A real stress-ng (an idle sleep stressor) with the given marker environment. */
  const markedProcess = async (markers: { [name: string]: string }) => {
    const child = spawn("stress-ng", ["--sleep", "1", "--sleep-max", "2", "--timeout", "60"], { stdio: "ignore", env: { PATH: process.env["PATH"], ...markers } });
    children.push(child);
    await eventually("stress-ng to run", async () => (readFileSync(`/proc/${child.pid}/comm`, "utf8").startsWith("stress-ng") ? true : undefined), 5000);
    return child;
  };

  it("the secret is made once, 32 random bytes in a file only root reads, and read back the same after a restart", () => {
    const made = loadMarkerSecret(file);
    expect(made).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(made.toString("hex"));
    expect(loadMarkerSecret(file).equals(made)).toBe(true); // what a restarted daemon reads
  });

  it("a forged marker (right names, right key, wrong MAC) is no stressor: not found, not 'already running', not killed", async () => {
    const secret = loadMarkerSecret(file);
    const key = `forged-${randomUUID()}/ns/pod/c`;
    const uid = randomUUID();
    const otherSecret = Buffer.alloc(32, 7);
    const forged = await markedProcess({
      [stressMarkers.key]: key,
      [stressMarkers.uid]: uid,
      [stressMarkers.part]: "cpu",
      [stressMarkers.mac]: markerMac(otherSecret, key, uid, "cpu"),
    });
    const noMac = await markedProcess({ [stressMarkers.key]: key, [stressMarkers.uid]: randomUUID(), [stressMarkers.part]: "cpu" });
    expect(await findStressors({ key }, secret)).toEqual([]);
    expect(await findStressors({ uid }, secret)).toEqual([]);
    expect(await stressorUidOf(forged.pid!, (await processStartTimeMs(forged.pid!))!, secret)).toBeUndefined();
    expect(await killStressors({ key }, secret)).toBe(0);
    expect(forged.exitCode).toBeNull();
    expect(noMac.exitCode).toBeNull();
    expect(readFileSync(`/proc/${forged.pid}/comm`, "utf8")).toMatch(/^stress-ng/);

    // the same process with the daemon's MAC is one, and is found and stopped: the check above can fail
    const genuineUid = randomUUID();
    const genuine = await markedProcess({
      [stressMarkers.key]: key,
      [stressMarkers.uid]: genuineUid,
      [stressMarkers.part]: "memory",
      [stressMarkers.mac]: markerMac(secret, key, genuineUid, "memory"),
    });
    expect(await findStressors({ key }, secret)).toEqual([expect.objectContaining({ pid: genuine.pid, uid: genuineUid, part: "memory", key })]);
    // the MAC binds every marker: the genuine MAC under another part or key is no marker
    expect(await findStressors({ key, part: "cpu" }, secret)).toEqual([]);
    expect(await killStressors({ key }, secret)).toBeGreaterThanOrEqual(1);
    await eventually("the genuine stressor to be gone", async () => (genuine.exitCode !== null || genuine.signalCode !== null ? true : undefined), 5000);
    expect(forged.exitCode).toBeNull(); // and the forged one was left alone
  }, 30_000);
});
