import { Informer, objectKeyOf, type InformerObject, type InformerSourceFactory } from "@faultline/controller";

/**
 * The controller's real `Informer` (store, indexes, handlers), fed by hand instead of by a watch:
 * `put` and `remove` deliver what a watch event would.
 */
export function fedInformer<T extends InformerObject>() {
  let sink!: Parameters<InformerSourceFactory<T>>[0];
  const informer = new Informer<T>((s) => ((sink = s), { start: async () => undefined, stop: async () => undefined, hasSynced: true }));
  return {
    informer,
    put: (object: T) => sink.handler({ type: "update", key: objectKeyOf(object), object }),
    remove: (object: T) => sink.handler({ type: "delete", key: objectKeyOf(object), object }),
  };
}
