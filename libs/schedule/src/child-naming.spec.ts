import { childName, managedByValue } from "./child-naming.js";

describe("child names and labels", () => {
  test("a slot gives one name, in Unix seconds", () => {
    expect(childName("nightly-kill", new Date("2026-12-02T03:00:00Z"))).toBe("nightly-kill-1796180400");
    expect(childName("nightly-kill", new Date("2026-12-02T03:00:00.999Z"))).toBe("nightly-kill-1796180400");
  });

  test("a long Schedule name is cut to an object name's 253 characters, keeping a hash", () => {
    const long = `${"a".repeat(250)}`;
    const name = childName(long, new Date("2026-12-02T03:00:00Z"));
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^a+-[0-9a-f]{10}-1796180400$/);
    expect(childName(`${"a".repeat(249)}b`, new Date("2026-12-02T03:00:00Z"))).not.toBe(name);
  });

  test("the managed-by label value is the name, or a cut name and a hash within 63 characters", () => {
    expect(managedByValue("nightly-kill")).toBe("nightly-kill");
    const long = `${"x".repeat(51)}.-${"y".repeat(40)}`;
    const value = managedByValue(long);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^x{51}-[0-9a-f]{10}$/);
  });
});
