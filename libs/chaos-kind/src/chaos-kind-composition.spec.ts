import { Type } from "@sinclair/typebox";
import { defineChaosCrd, podSelectorFields } from "@faultline/api";
import { durationOf, kindOf, selectorsOf, type ChaosKind } from "@faultline/impl-registry";
import type { ChaosKindDefinition } from "./chaos-kind-definition.js";
import { createChaosKindRegistry, crdsOf, registerDaemonHandlers } from "./chaos-kind-composition.js";
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
  it("names each kind from its CRD, for the daemon and for the manager's registry", () => {
    const definition = kind("DiskFillChaos");
    expect(kindNameOf(definition)).toBe("DiskFillChaos");
    expect(kindOf(definition, deps)).toMatchObject({ kind: "DiskFillChaos", plural: "diskfillchaos", group: "chaos-mesh.org", version: "v1alpha1", definition });
  });

  it("serves a kind's own duration and selectors when it has them", () => {
    const managed: ChaosKind = kindOf({ ...kind("TimedChaos"), duration: () => "5m", selectors: () => [] }, deps);
    const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TimedChaos", metadata: {}, spec: { duration: "1m" } };
    expect(durationOf(managed, obj)).toBe("5m");
    expect(selectorsOf(managed, obj)).toEqual([]);
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
