// Every Kubernetes path the UI builds goes through here: each segment (group, version, namespace,
// plural, name) is encoded with encodeURIComponent, and a segment that is empty, "." or ".." is
// refused, so no value from a URL, an object or a list can climb out of the path it belongs in
// (the browser resolves "a/../b" before the request leaves it). Pure.
import { chaosGroup, chaosVersion } from "@faultline/api";

/** Thrown for a segment that would change the path's shape. */
export class PathSegmentError extends Error {}

/** One encoded path segment; "", "." and ".." are refused. */
export function pathSegment(value: string, what = "path segment"): string {
  if (value === "" || value === "." || value === "..") throw new PathSegmentError(`${what} ${JSON.stringify(value)} is not a valid name`);
  return encodeURIComponent(value);
}

export interface ResourceRef {
  /** "" = the core group (`api/v1`). */
  group: string;
  version: string;
  plural: string;
}

/** `apis/<group>/<version>` (or `api/v1`). */
export function groupPath(group: string, version: string): string {
  return group === "" ? `api/${pathSegment(version, "version")}` : `apis/${pathSegment(group, "group")}/${pathSegment(version, "version")}`;
}

/** The collection of a resource in one namespace, or across every namespace (namespace undefined or ""). */
export function collectionPath(resource: ResourceRef, namespace?: string): string {
  const base = groupPath(resource.group, resource.version);
  const plural = pathSegment(resource.plural, "resource");
  return namespace ? `${base}/namespaces/${pathSegment(namespace, "namespace")}/${plural}` : `${base}/${plural}`;
}

/** One object of a resource. */
export function objectPath(resource: ResourceRef, namespace: string | undefined, name: string): string {
  return `${collectionPath(resource, namespace)}/${pathSegment(name, "name")}`;
}

/** A resource of chaos-mesh.org/v1alpha1 by its plural. */
export const chaosResource = (plural: string): ResourceRef => ({ group: chaosGroup, version: chaosVersion, plural });

/** A core (v1) resource by its plural. */
export const coreResource = (plural: string): ResourceRef => ({ group: "", version: "v1", plural });
