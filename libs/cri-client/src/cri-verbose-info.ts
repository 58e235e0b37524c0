/**
 * Reads the host pid of a container's init process from the `info` map of a verbose CRI
 * `ContainerStatus` response. containerd and CRI-O both put a JSON document under the key
 * `"info"` whose `pid` field is that pid. Returns undefined when it is missing or not a
 * positive integer (for example once the container has exited).
 */
export function pidFromCriVerboseInfo(info: Readonly<Record<string, string>>): number | undefined {
  const json = info["info"];
  if (json === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const pid = typeof parsed === "object" && parsed !== null ? (parsed as { pid?: unknown }).pid : undefined;
  return typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
