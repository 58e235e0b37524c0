import { isObjectNotFound } from "@faultline/api";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import type { ChaosObject } from "@faultline/impl-registry";

/** Where a kind's objects live: `group`/`version`, resource `plural`. */
export interface ChaosResource {
  group: string;
  version: string;
  plural: string;
}

/** Thrown by writes made against a stale resourceVersion (HTTP 409). */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/**
 * Thrown by writes to an object that no longer exists (HTTP 404 naming it). A 404 that names no
 * object (an API server not serving the resource yet) is rethrown as it is: an error to retry.
 */
export class ObjectGoneError extends Error {
  override name = "ObjectGoneError";
}

/**
 * The reads and writes the pipeline makes on chaos objects. Writes send the object's
 * resourceVersion and throw {@link ConflictError} when someone else wrote first.
 */
export interface ChaosObjectClient {
  /** The object, or `undefined` when it does not exist. */
  get(resource: ChaosResource, namespace: string, name: string): Promise<ChaosObject | undefined>;
  /** Writes metadata and spec (the main resource; status is ignored by the server). */
  replace(resource: ChaosResource, obj: ChaosObject): Promise<ChaosObject>;
  /** Writes status through the status subresource. */
  replaceStatus(resource: ChaosResource, obj: ChaosObject): Promise<ChaosObject>;
}

function translate(error: unknown, what: string, name: string): never {
  const code = (error as { code?: number }).code;
  if (code === 409) throw new ConflictError(`conflict writing ${what}`, { cause: error });
  if (isObjectNotFound(error, name)) throw new ObjectGoneError(`${what} not found`, { cause: error });
  throw error;
}

/** A {@link ChaosObjectClient} over the API server's custom objects API. */
export function createKubernetesChaosObjectClient(api: CustomObjectsApi): ChaosObjectClient {
  const params = (resource: ChaosResource, namespace: string, name: string) => ({ ...resource, namespace, name });
  const at = (obj: ChaosObject) => `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
  return {
    async get(resource, namespace, name) {
      try {
        return (await api.getNamespacedCustomObject(params(resource, namespace, name))) as ChaosObject;
      } catch (error) {
        if (isObjectNotFound(error, name)) return undefined;
        throw error;
      }
    },
    async replace(resource, obj) {
      try {
        const { namespace = "", name = "" } = obj.metadata;
        return (await api.replaceNamespacedCustomObject({ ...params(resource, namespace, name), body: obj })) as ChaosObject;
      } catch (error) {
        return translate(error, at(obj), obj.metadata.name ?? "");
      }
    },
    async replaceStatus(resource, obj) {
      try {
        const { namespace = "", name = "" } = obj.metadata;
        return (await api.replaceNamespacedCustomObjectStatus({ ...params(resource, namespace, name), body: obj })) as ChaosObject;
      } catch (error) {
        return translate(error, `${at(obj)} status`, obj.metadata.name ?? "");
      }
    },
  };
}

/** Options of {@link updateWithRetry}. */
export interface UpdateWithRetryOptions {
  /** Attempts before giving up on conflicts; default 10. */
  attempts?: number;
}

/**
 * Applies `mutate` to `obj` and writes it with `write`; on a conflict, re-reads the object, applies
 * `mutate` again to the fresh copy and retries. `mutate` returns false when there is nothing to
 * change (no write is made). Answers the object as written (or as read when unchanged); `undefined`
 * when the object is gone.
 */
export async function updateWithRetry(
  client: ChaosObjectClient,
  resource: ChaosResource,
  obj: ChaosObject,
  mutate: (copy: ChaosObject) => boolean,
  write: (copy: ChaosObject) => Promise<ChaosObject>,
  options: UpdateWithRetryOptions = {},
): Promise<ChaosObject | undefined> {
  let current: ChaosObject | undefined = obj;
  for (let attempt = 1; ; attempt++) {
    const copy = structuredClone(current);
    if (!mutate(copy)) return current;
    try {
      return await write(copy);
    } catch (error) {
      if (error instanceof ObjectGoneError) return undefined;
      if (!(error instanceof ConflictError) || attempt >= (options.attempts ?? 10)) throw error;
      current = await client.get(resource, obj.metadata.namespace ?? "", obj.metadata.name ?? "");
      if (!current) return undefined;
    }
  }
}
