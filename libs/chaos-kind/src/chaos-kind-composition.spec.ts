import { Type } from "@sinclair/typebox";
import { defineChaosCrd, podSelectorFields } from "@faultline/api";
import type { ChaosKindDefinition } from "./chaos-kind-definition.js";
import { createChaosKindRegistry, crdsOf, managerChaosKind, registerDaemonHandlers } from "./chaos-kind-composition.js";
import { defineChaosKind, kindNameOf } from "./chaos-kind-definition.js";

const impl = { apply: async () => "Injected" as const, recover: async () => "Not Injected" as const };
const kind = (name: string, daemon?: ChaosKindDefinition["daemon"]) =>
  defineChaosKind({
    crd: defineChaosCrd({ kind: name, description: `${name}.`, spec: Type.Object(podSelectorFields) }),
    oneShot: false,
    selectorKind: "pod",
    manager: () => impl,
    ...(daemon && { daemon }),
  });
const deps = { decoder: {} as never, pods: {} as never, core: {} as never, log: () => {}, settings: {} };

describe("composing kinds from their definitions", () => {
  it("names each kind from its CRD", () => {
    const definition = kind("DiskFillChaos");
    expect(kindNameOf(definition)).toBe("DiskFillChaos");
    expect(managerChaosKind(definition, deps)).toMatchObject({ kind: "DiskFillChaos", plural: "diskfillchaos", oneShot: false, selectorKind: "pod" });
  });

  it("uses a kind's own duration and selectors when it has them", () => {
    const definition = { ...kind("TimedChaos"), duration: () => "5m", selectors: () => [] };
    const managed = managerChaosKind(definition, deps);
    expect(managed.duration?.({} as never)).toBe("5m");
    expect(managed.selectors({} as never)).toEqual([]);
  });

  it("registers every kind once, through the wrapper, and refuses two kinds of one name", () => {
    const wrapped: string[] = [];
    const registry = createChaosKindRegistry([kind("AChaos"), kind("BChaos")], deps, (k) => (wrapped.push(k.kind), k));
    expect(registry.list().map((k) => k.kind)).toEqual(["AChaos", "BChaos"]);
    expect(wrapped).toEqual(["AChaos", "BChaos"]);
    expect(() => createChaosKindRegistry([kind("AChaos"), kind("AChaos")], deps)).toThrow(/AChaos is already registered/);
  });

  it("gives each kind's RPCs its name as owner, and refuses two owners of one RPC", () => {
    const handlers = () => ({ execHelloWorldChaos: async () => ({}) });
    const registry = registerDaemonHandlers([kind("AChaos", handlers), kind("BChaos")], { runtime: {} as never, runner: {} as never });
    expect(registry.registered()).toEqual([{ method: "ExecHelloWorldChaos", owner: "AChaos" }]);
    expect(() => registerDaemonHandlers([kind("AChaos", handlers), kind("CChaos", handlers)], { runtime: {} as never, runner: {} as never })).toThrow(
      /execHelloWorldChaos is already registered by AChaos/,
    );
  });

  it("lists the CRDs in definition order", () => {
    expect(crdsOf([kind("BChaos"), kind("AChaos")]).map((crd) => crd.metadata.name)).toEqual(["bchaos.chaos-mesh.org", "achaos.chaos-mesh.org"]);
  });
});
