import type { ChaosKind } from "./chaos-kind.js";
import { durationOf, inlineSelector, resourceOf } from "./chaos-kind.js";
import {
  ChaosKindRegistry,
  DuplicateChaosKindError,
  InvalidChaosKindError,
  UnknownChaosKindError,
} from "./chaos-kind-registry.js";
import type { ChaosObject } from "./chaos-object.js";

const kind = (overrides: Partial<ChaosKind> = {}): ChaosKind => ({
  kind: "HelloWorldChaos",
  plural: "helloworldchaos",
  oneShot: true,
  selectorKind: "container",
  selectors: inlineSelector,
  impl: { apply: async () => "Injected", recover: async () => "Not Injected" },
  ...overrides,
});

describe("ChaosKindRegistry", () => {
  it("registers kinds and lists them in order", () => {
    const registry = new ChaosKindRegistry().register(kind()).register(kind({ kind: "PodChaos", plural: "podchaos" }));
    expect(registry.list().map((k) => k.kind)).toEqual(["HelloWorldChaos", "PodChaos"]);
    expect(registry.get("PodChaos").plural).toBe("podchaos");
    expect(registry.has("NetworkChaos")).toBe(false);
  });

  it("refuses a second registration of a kind name or a plural", () => {
    const registry = new ChaosKindRegistry().register(kind());
    expect(() => registry.register(kind())).toThrow(DuplicateChaosKindError);
    expect(() => registry.register(kind())).toThrow("HelloWorldChaos is already registered");
    expect(() => registry.register(kind({ kind: "Other" }))).toThrow(DuplicateChaosKindError);
  });

  it("names the registered kinds when asked for an unknown one", () => {
    const registry = new ChaosKindRegistry().register(kind());
    expect(() => registry.get("PodChaos")).toThrow(UnknownChaosKindError);
    expect(() => registry.get("PodChaos")).toThrow("registered: HelloWorldChaos");
  });

  it("refuses an incomplete descriptor with every problem named", () => {
    const bad = kind({ kind: "hello", plural: "Hello", impl: {} as never });
    expect(() => new ChaosKindRegistry().register(bad)).toThrow(InvalidChaosKindError);
    expect(() => new ChaosKindRegistry().register(bad)).toThrow(/CamelCase.*lowercase.*apply and recover/);
  });
});

describe("kind helpers", () => {
  const obj: ChaosObject = {
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HelloWorldChaos",
    metadata: {},
    spec: { selector: { namespaces: ["a"] }, mode: "all", containerNames: ["app"], duration: "30s" },
  };

  it("inlineSelector reads the spec's selector under key '.'", () => {
    expect(inlineSelector(obj)).toEqual([
      { key: ".", selector: { selector: { namespaces: ["a"] }, mode: "all", containerNames: ["app"] } },
    ]);
  });

  it("durationOf reads spec.duration unless the kind says otherwise", () => {
    expect(durationOf(kind(), obj)).toBe("30s");
    expect(durationOf(kind({ duration: () => "1m" }), obj)).toBe("1m");
    expect(durationOf(kind(), { ...obj, spec: {} })).toBeUndefined();
  });

  it("resourceOf defaults to chaos-mesh.org/v1alpha1", () => {
    expect(resourceOf(kind())).toEqual({ group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" });
  });
});
