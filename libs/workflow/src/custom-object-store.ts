import { isObjectNotFound } from "@faultline/api";
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from "@kubernetes/client-node";

/** A custom resource's coordinates. */
export interface ResourceCoordinates {
  group: string;
  version: string;
  plural: string;
}

/** An object as the API server answers it, with the metadata the controllers read. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: { [key: string]: string };
    annotations?: { [key: string]: string };
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: unknown;
  status?: unknown;
}

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
export const isAlreadyExists = (error: unknown): boolean => codeOf(error) === 409;

/**
 * The few calls the Workflow controllers make, over the manager's (rate-limited) custom objects
 * client: read or nothing, create or find, delete if present, write a status, list by label.
 */
export class CustomObjectStore {
  constructor(private readonly api: CustomObjectsApi) {}

  /** The object, or undefined when it does not exist. */
  async get<T extends StoredObject>(resource: ResourceCoordinates, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...resource, namespace, name })) as T;
    } catch (error) {
      if (isObjectNotFound(error, name)) return undefined;
      throw error;
    }
  }

  /** Creates the object; when one of that name exists already, answers it with `created: false`. */
  async createOrGet<T extends StoredObject>(resource: ResourceCoordinates, namespace: string, body: T): Promise<{ object: T; created: boolean }> {
    try {
      return { object: (await this.api.createNamespacedCustomObject({ ...resource, namespace, body })) as T, created: true };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await this.get<T>(resource, namespace, body.metadata.name ?? "");
      if (!existing) throw error; // created and deleted in between: the next reconcile tries again
      return { object: existing, created: false };
    }
  }

  /** Deletes the object; answers whether it was there to delete. */
  async deleteIfPresent(resource: ResourceCoordinates, namespace: string, name: string): Promise<boolean> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...resource, namespace, name, propagationPolicy: "Background" });
      return true;
    } catch (error) {
      if (isObjectNotFound(error, name)) return false;
      throw error;
    }
  }

  /** Replaces the object's status (optimistically: a conflict throws, and the queue retries). */
  async replaceStatus<T extends StoredObject>(resource: ResourceCoordinates, object: T): Promise<T> {
    const { namespace = "", name = "" } = object.metadata;
    return (await this.api.replaceNamespacedCustomObjectStatus({ ...resource, namespace, name, body: object })) as T;
  }

  /** Sets annotations by a merge patch. */
  async annotate(resource: ResourceCoordinates, namespace: string, name: string, annotations: { [key: string]: string }): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      { ...resource, namespace, name, body: { metadata: { annotations } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  /** The objects of a namespace whose labels match `labelSelector`. */
  async list<T extends StoredObject>(resource: ResourceCoordinates, namespace: string, labelSelector: string): Promise<T[]> {
    const list = (await this.api.listNamespacedCustomObject({ ...resource, namespace, labelSelector })) as { items?: T[] };
    return list.items ?? [];
  }
}
