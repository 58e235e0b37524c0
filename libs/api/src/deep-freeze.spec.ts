import { deepFreeze } from "./deep-freeze.js";

describe("deepFreeze", () => {
  it("freezes the object and everything it holds, and returns it", () => {
    const pod = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app" }] } };
    expect(deepFreeze(pod)).toBe(pod);
    expect(Object.isFrozen(pod)).toBe(true);
    expect(Object.isFrozen(pod.metadata.labels)).toBe(true);
    expect(Object.isFrozen(pod.spec.containers)).toBe(true);
    expect(Object.isFrozen(pod.spec.containers[0])).toBe(true);
    expect(() => {
      (pod.metadata.labels as { app: string }).app = "other";
    }).toThrow(TypeError);
  });

  it("hands back primitives and null unchanged", () => {
    expect(deepFreeze(3)).toBe(3);
    expect(deepFreeze(null)).toBeNull();
    expect(deepFreeze("text")).toBe("text");
  });

  it("takes an object already frozen as frozen throughout (it does not walk it again)", () => {
    const inner = { value: 1 };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    expect(Object.isFrozen(inner)).toBe(false);
  });
});
