import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";
import type { ChaosImpl } from "./chaos-impl.js";
import {
  durationOf,
  inlineSelector,
  InvalidChaosKindError,
  kindOf,
  oneShotOf,
  resourceOf,
  selectorKindOf,
  selectorsOf,
  type ChaosKind,
  type ManagerKindDefinition,
  type ManagerKindDeps,
} from "./chaos-kind.js";
import { ChaosKindRegistry, DuplicateChaosKindError, UnknownChaosKindError } from "./chaos-kind-registry.js";
import type { ChaosObject } from "./chaos-object.js";
import { testCrd as crd, testDeps } from "./testing/kind.test-support.js";

const impl: ChaosImpl = { apply: async () => "Injected", recover: async () => "Not Injected" };
const definition = (overrides: Partial<ManagerKindDefinition> = {}): ManagerKindDefinition => ({
  crd: crd("HelloWorldChaos"),
  oneShot: true,
  selectorKind: "container",
  manager: () => impl,
  ...overrides,
});
const deps = testDeps();

describe("kindOf", () => {
  it("makes the entry from the definition: names, group and version from the CRD, the impl from manager(deps)", () => {
    const given: ManagerKindDeps[] = [];
    const hello = definition({ manager: (d) => (given.push(d), impl) });
    const kind = kindOf(hello, deps);
    expect(kind).toEqual({ definition: hello, kind: "HelloWorldChaos", plural: "helloworldchaos", group: "chaos-mesh.org", version: "v1alpha1", impl });
    expect(given).toEqual([deps]);
  });

  it("refuses an incomplete definition with every problem named", () => {
    const bad = { ...crd("Hello"), spec: { ...crd("Hello").spec, names: { ...crd("Hello").spec.names, kind: "hello", plural: "Hello" } } };
    const incomplete = definition({ crd: bad, selectorKind: "node" as never, manager: () => ({}) as never });
    expect(() => kindOf(incomplete, deps)).toThrow(InvalidChaosKindError);
    expect(() => kindOf(incomplete, deps)).toThrow(/CamelCase.*lowercase.*selectorKind must be.*apply and recover/);
    expect(() => kindOf(definition({ manager: undefined as never }), deps)).toThrow("chaos kind HelloWorldChaos: manager must be a function of the manager's deps");
    expect(() => kindOf(definition({ nodeCapability: true as never }), deps)).toThrow("chaos kind HelloWorldChaos: nodeCapability must be a function");
  });

  it("keeps the object type through a list of kinds, with no cast", () => {
    const podChaosCrd = defineChaosCrd({
      kind: "PodChaos",
      description: "PodChaos.",
      spec: Type.Object({ ...containerSelectorFields, action: stringEnum(["pod-kill", "pod-failure"]), duration: Type.Optional(durationSchema) }),
    });
    type PodChaos = ChaosResourceOf<typeof podChaosCrd>;
    const podChaos: ManagerKindDefinition<PodChaos> = {
      crd: podChaosCrd,
      oneShot: (obj) => obj.spec.action === "pod-kill",
      selectorKind: (obj) => (obj.spec.action === "pod-kill" ? "pod" : "container"),
      manager: () => ({ apply: async (_ctx, _index, _records, obj) => (obj.spec.action === "pod-kill" ? "Injected" : "Injected/Paused"), recover: async () => "Not Injected" }),
    };
    const kinds: ChaosKind[] = [kindOf(podChaos, deps), kindOf(definition(), deps)];
    const kill: PodChaos = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: {}, spec: { selector: {}, mode: "one", action: "pod-kill" } };
    const failure: PodChaos = { ...kill, spec: { ...kill.spec, action: "pod-failure" } };
    expect(kinds.map((kind) => [oneShotOf(kind, kill), oneShotOf(kind, failure)])).toEqual([[true, false], [true, true]]);
    expect(kinds.map((kind) => selectorKindOf(kind, kill))).toEqual(["pod", "container"]);
  });
});

describe("ChaosKindRegistry", () => {
  it("registers kinds from their definitions and lists them in order", () => {
    const registry = new ChaosKindRegistry().register(definition(), deps).register(definition({ crd: crd("PodChaos") }), deps);
    expect(registry.list().map((k) => k.kind)).toEqual(["HelloWorldChaos", "PodChaos"]);
    expect(registry.get("PodChaos").plural).toBe("podchaos");
    expect(registry.has("NetworkChaos")).toBe(false);
  });

  it("lets a wrapper see each entry before it is kept", () => {
    const wrapped: string[] = [];
    const registry = new ChaosKindRegistry().register(definition(), deps, (kind) => (wrapped.push(kind.kind), { ...kind, plural: "wrapped" }));
    expect(wrapped).toEqual(["HelloWorldChaos"]);
    expect(registry.get("HelloWorldChaos").plural).toBe("wrapped");
  });

  it("refuses a second registration of a kind name or a plural", () => {
    const registry = new ChaosKindRegistry().register(definition(), deps);
    expect(() => registry.register(definition(), deps)).toThrow(DuplicateChaosKindError);
    expect(() => registry.register(definition(), deps)).toThrow("HelloWorldChaos is already registered");
    const other = crd("HelloWorldChaos");
    const samePlural = { ...other, spec: { ...other.spec, names: { ...other.spec.names, kind: "OtherChaos" } } };
    expect(() => registry.register(definition({ crd: samePlural }), deps)).toThrow(DuplicateChaosKindError);
  });

  it("names the registered kinds when asked for an unknown one", () => {
    const registry = new ChaosKindRegistry().register(definition(), deps);
    expect(() => registry.get("PodChaos")).toThrow(UnknownChaosKindError);
    expect(() => registry.get("PodChaos")).toThrow("registered: HelloWorldChaos");
  });

  it("refuses an incomplete definition", () => {
    expect(() => new ChaosKindRegistry().register(definition({ oneShot: "yes" as never }), deps)).toThrow(InvalidChaosKindError);
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

  it("selectorsOf uses the definition's selectors, else the inlined one", () => {
    expect(selectorsOf(kindOf(definition(), deps), obj)).toEqual(inlineSelector(obj));
    expect(selectorsOf(kindOf(definition({ selectors: () => [] }), deps), obj)).toEqual([]);
  });

  it("durationOf reads spec.duration unless the definition says otherwise", () => {
    expect(durationOf(kindOf(definition(), deps), obj)).toBe("30s");
    expect(durationOf(kindOf(definition({ duration: () => "1m" }), deps), obj)).toBe("1m");
    expect(durationOf(kindOf(definition(), deps), { ...obj, spec: {} })).toBeUndefined();
  });

  it("resourceOf answers the CRD's group, version and plural", () => {
    expect(resourceOf(kindOf(definition(), deps))).toEqual({ group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" });
  });
});
