/** An entry of `metadata.ownerReferences`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * The ownerReference that makes `owner` the controller of what it creates (the garbage collector
 * deletes the owned object with it; a controller's watch of the owned kind finds its owner).
 *
 * @example
 * body.metadata.ownerReferences = [controllerReference(schedule)];
 */
export function controllerReference(owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** Whether the object whose uid is `ownerUid` is `object`'s controller. */
export function isControlledBy(object: { metadata?: { ownerReferences?: readonly OwnerReference[] } }, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && (object.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === ownerUid);
}
