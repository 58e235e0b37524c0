import type { ManagedController } from "@faultline/controller";
import { resourceOf } from "@faultline/impl-registry";
import { createRecordsReconciler, type RecordsReconcilerOptions } from "./records-reconciler.js";

/** Options of {@link createRecordsControllers}: those of the pipeline (see {@link createRecordsReconciler}). */
export type RecordsControllersOptions = RecordsReconcilerOptions;

/**
 * The records pipeline as one {@link ManagedController} per registered kind, for a
 * `ControllerRunner` to run like every other controller (one queue type, one reconcile contract, one
 * place owning watches, leader election and shutdown): named after the kind's plural, watching the
 * kind's resource, reconciling an object of it through one shared pipeline.
 *
 * @example
 * const runner = new ControllerRunner({ kubeConfig, controllers: [
 *   ...createRecordsControllers({ kinds, objects, selector, events, parallelism: 8, signal }),
 *   ...builtInControllers(deps),
 * ] });
 */
export function createRecordsControllers(options: RecordsControllersOptions): ManagedController[] {
  const pipeline = createRecordsReconciler(options);
  return options.kinds.list().map(
    (kind): ManagedController => ({
      name: kind.plural,
      resource: { ...resourceOf(kind), kind: kind.kind },
      reconcile: (key) => pipeline.reconcile({ kind: kind.kind, namespace: key.namespace, name: key.name }),
    }),
  );
}
