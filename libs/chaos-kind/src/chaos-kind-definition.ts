import type { ChaosCrd, ChaosResourceOf } from "@faultline/api";
import type { ContainerRuntimeClient } from "@faultline/cri-client";
import type { DaemonHandlers, NamespaceProcessRunner } from "@faultline/daemon-server";
import type { ChaosObject, ManagerKindDefinition } from "@faultline/impl-registry";

/** What the daemon hands every kind's `daemon` factory. */
export interface DaemonKindDeps {
  /** Container id (`containerd://…`) → host pid, kill, through the node's container runtimes. */
  runtime: ContainerRuntimeClient;
  /** Runs argv arrays inside a process's namespaces (nsenter), with the daemon's timeout. */
  runner: NamespaceProcessRunner;
  /** The daemon's `--injection-lease-seconds`: how long an injection runs unless the manager renews it. */
  injectionLeaseSeconds?: number;
}

/**
 * One chaos kind, whole: the manager side (`@faultline/impl-registry`'s `ManagerKindDefinition`:
 * its CRD, from which its names and object type derive, `oneShot`, `selectorKind`, optional
 * `selectors` and `duration`, and `manager(deps)` building its `ChaosImpl`) and the daemon RPCs it
 * serves. The manager, the daemon and the CRD generator all read the same definitions, so a kind is
 * listed once (the catalog of `@faultline/chaos`, or a custom manager's and daemon's `kinds` option).
 */
export interface ChaosKindDefinition<T extends ChaosObject = ChaosObject> extends ManagerKindDefinition<T> {
  /** The daemon side, for kinds with RPCs of their own. */
  daemon?(deps: DaemonKindDeps): DaemonHandlers;
}

/**
 * Defines a chaos kind. The object type its impl receives is derived from the CRD, so a kind's
 * name and fields are written once, in its schema.
 *
 * @example
 * export const helloWorldChaos = defineChaosKind({
 *   crd: helloWorldChaosCrd,
 *   oneShot: true,
 *   selectorKind: "container",
 *   manager: ({ decoder }) => ({
 *     async apply(ctx, index, records, obj) {
 *       const { containerId, daemon } = await decoder.decodeContainer(records[index]!.id, obj);
 *       await daemon.execHelloWorldChaos({ containerId }, { signal: ctx.signal });
 *       return "Injected";
 *     },
 *     async recover() {
 *       return "Not Injected";
 *     },
 *   }),
 *   daemon: ({ runtime, runner }) => ({
 *     async execHelloWorldChaos(req) {
 *       const pid = await runtime.getPid(req.containerId);
 *       await runner.run({ pid, namespaces: ["mnt", "pid"], argv: ["ps", "aux"] });
 *       return {};
 *     },
 *   }),
 * });
 */
export function defineChaosKind<Crd extends ChaosCrd<string, unknown>>(
  definition: ChaosKindDefinition<ChaosResourceOf<Crd>> & { crd: Crd },
): ChaosKindDefinition<ChaosResourceOf<Crd>> {
  return definition;
}

/** The kind name of a definition, from its CRD. */
export function kindNameOf(definition: ManagerKindDefinition): string {
  return definition.crd.spec.names.kind;
}
