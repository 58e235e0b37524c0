import { DaemonHandlerRegistry } from "@faultline/daemon-server";
import { ChaosKindRegistry, inlineSelector, type ChaosKind } from "@faultline/impl-registry";
import { kindNameOf, type ChaosKindDefinition, type DaemonKindDeps, type ManagerKindDeps } from "./chaos-kind-definition.js";

/** The manager's view of one definition: names from its CRD, the impl from its factory. */
export function managerChaosKind(definition: ChaosKindDefinition, deps: ManagerKindDeps): ChaosKind {
  const { names, group, versions } = definition.crd.spec;
  return {
    kind: names.kind,
    plural: names.plural,
    group,
    version: versions[0]!.name,
    oneShot: definition.oneShot,
    selectorKind: definition.selectorKind,
    selectors: definition.selectors ?? inlineSelector,
    ...(definition.duration ? { duration: definition.duration } : {}),
    impl: definition.manager(deps),
  };
}

/**
 * The registry a manager serves, one kind per definition. `wrap` sees each kind before it is
 * registered (the manager instruments apply and recover with metrics there).
 *
 * @example
 * const kinds = createChaosKindRegistry(builtInChaosKinds, deps, (kind) => metrics.instrument(kind));
 */
export function createChaosKindRegistry(
  definitions: readonly ChaosKindDefinition[],
  deps: ManagerKindDeps,
  wrap: (kind: ChaosKind) => ChaosKind = (kind) => kind,
): ChaosKindRegistry {
  const registry = new ChaosKindRegistry();
  for (const definition of definitions) registry.register(wrap(managerChaosKind(definition, deps)));
  return registry;
}

/**
 * Registers the daemon RPCs of every definition that has some, each owned by its kind's name, into
 * `registry` (a new one by default; the daemon passes one that already holds the container RPCs).
 */
export function registerDaemonHandlers(
  definitions: readonly ChaosKindDefinition[],
  deps: DaemonKindDeps,
  registry: DaemonHandlerRegistry = new DaemonHandlerRegistry(),
): DaemonHandlerRegistry {
  for (const definition of definitions) {
    if (definition.daemon) registry.register(kindNameOf(definition), definition.daemon(deps));
  }
  return registry;
}

/** Every kind's CRD, for the CRD generator and for tests that install them. */
export function crdsOf(definitions: readonly ChaosKindDefinition[]) {
  return definitions.map((definition) => definition.crd);
}
