import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expiredStressorLeases, leaseDirBeside, readStressorLeases, removeStressorLease, writeStressorLease } from "./stressor-leases.js";

describe("stressor leases", () => {
  const root = mkdtempSync(join(tmpdir(), "faultline-leases-"));
  const dir = join(root, "stress-leases");
  const a = "11111111-2222-3333-4444-555555555555";
  const b = "66666666-2222-3333-4444-555555555555";
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("sit beside the marker secret, and none are there before the first", () => {
    expect(leaseDirBeside("/run/faultline/stress-marker.key")).toBe("/run/faultline/stress-leases");
    expect(readStressorLeases(dir)).toEqual([]);
  });

  it("are written, moved, read back (a stranger file ignored), expired by time, removed", () => {
    writeStressorLease(dir, a, 1000);
    writeStressorLease(dir, b, 5000);
    writeStressorLease(dir, a, 3000); // renewed
    writeFileSync(join(dir, "not-a-lease"), "1");
    const leases = readStressorLeases(dir).sort((x, y) => x.expiresAtMs - y.expiresAtMs);
    expect(leases).toEqual([{ uid: a, expiresAtMs: 3000 }, { uid: b, expiresAtMs: 5000 }]);
    expect(expiredStressorLeases(leases, 2999)).toEqual([]);
    expect(expiredStressorLeases(leases, 3000)).toEqual([a]);
    removeStressorLease(dir, a);
    expect(readStressorLeases(dir).map((l) => l.uid)).toEqual([b]);
  });

  it("refuse a uid that could name another path", () => {
    expect(() => writeStressorLease(dir, "../../etc/passwd", 1)).toThrow(/is not a uid/);
  });
});
