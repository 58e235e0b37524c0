import { resourceVersionAtLeast } from "./resource-version.js";

describe("resourceVersionAtLeast", () => {
  it("compares resourceVersions as integers, and opaque ones only for equality", () => {
    expect(resourceVersionAtLeast("100", "99")).toBe(true);
    expect(resourceVersionAtLeast("99", "100")).toBe(false);
    expect(resourceVersionAtLeast("abc", "abc")).toBe(true);
    expect(resourceVersionAtLeast("abd", "abc")).toBe(false);
    expect(resourceVersionAtLeast(undefined, "1")).toBe(false);
  });
});
