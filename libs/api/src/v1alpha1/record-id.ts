/** A pod record's target, from its id `ns/name`. */
export interface PodRecordId {
  namespace: string;
  podName: string;
}

/** A container record's target, from its id `ns/pod/container`. */
export interface ContainerRecordId extends PodRecordId {
  containerName: string;
}

/** Thrown when a record id does not have the shape its kind's records have. */
export class InvalidRecordIdError extends Error {
  override name = "InvalidRecordIdError";
  constructor(readonly id: string, expected: string) {
    super(`invalid record id ${JSON.stringify(id)}: expected ${expected}`);
  }
}

// Namespaces, pod names and container names are DNS labels/subdomains: no "/" and never empty.
const part = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses a pod record id `ns/name`. */
export function parsePodRecordId(id: string): PodRecordId {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts.every((p) => part.test(p))) throw new InvalidRecordIdError(id, "namespace/pod");
  return { namespace: parts[0]!, podName: parts[1]! };
}

/** Parses a container record id `ns/pod/container`. */
export function parseContainerRecordId(id: string): ContainerRecordId {
  const parts = id.split("/");
  if (parts.length !== 3 || !parts.every((p) => part.test(p))) {
    throw new InvalidRecordIdError(id, "namespace/pod/container");
  }
  return { namespace: parts[0]!, podName: parts[1]!, containerName: parts[2]! };
}

/** The id of a pod record. */
export function podRecordId(namespace: string, podName: string): string {
  return `${namespace}/${podName}`;
}

/** The id of a container record. */
export function containerRecordId(namespace: string, podName: string, containerName: string): string {
  return `${namespace}/${podName}/${containerName}`;
}
