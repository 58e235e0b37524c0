/** A pod's record id, `namespace/name`, as Chaos Mesh writes it. */
export function podRecordId(namespace: string, podName: string): string {
  return `${namespace}/${podName}`;
}

/** A container's record id, `namespace/pod/container`, as Chaos Mesh writes it. */
export function containerRecordId(namespace: string, podName: string, containerName: string): string {
  return `${namespace}/${podName}/${containerName}`;
}
