import { objectKeyOf, objectKeyString } from "./object-key.js";

describe("object keys", () => {
  test("namespace/name, or the name alone for a cluster-scoped object", () => {
    expect(objectKeyString({ namespace: "ns", name: "a" })).toBe("ns/a");
    expect(objectKeyString({ namespace: "", name: "node-1" })).toBe("node-1");
  });

  test("from an object's metadata", () => {
    expect(objectKeyOf({ metadata: { namespace: "ns", name: "a" } })).toEqual({ namespace: "ns", name: "a" });
    expect(objectKeyOf({ metadata: { name: "n" } })).toEqual({ namespace: "", name: "n" });
  });
});
