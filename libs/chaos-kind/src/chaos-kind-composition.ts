import { DaemonHandlerRegistry } from "@faultline/daemon-server";
import { ChaosKindRegistry, type ChaosKind, type ManagerKindDeps } from "@faultline/impl-registry";
import { kindNameOf, type ChaosKindDefinition, type DaemonKindDeps } from "./chaos-kind-definition.js";

/**
 * The registry a manager serves, one kind per definition (`ChaosKindRegistry.register(definition,
 * deps, wrap)`). `wrap` sees each kind before it is registered (the manager instruments apply and
 * recover with metrics there).
 *
 * @example
 * const metrics = createChaosKindMetrics(promRegistry);
 * const kinds = createChaosKindRegistry(builtInChaosKinds, deps, (kind) => metrics.instrument(kind));
 */
export function createChaosKindRegistry(
  definitions: readonly ChaosKindDefinition[],
  deps: ManagerKindDeps,
  wrap?: (kind: ChaosKind) => ChaosKind,
): ChaosKindRegistry {
  const registry = new ChaosKindRegistry();
  for (const definition of definitions) registry.register(definition, deps, wrap);
  return registry;
}

/**
 * Registers the daemon RPCs of every definition that has some, each owned by its kind's name, into
 * `registry` (a new one by default; the daemon passes one that already holds the container RPCs).
 *
 * @example
 * const handlers = registerDaemonHandlers(builtInChaosKinds, { runtime, runner });
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
