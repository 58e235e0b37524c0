/**
 * Whether an API error says that the object asked for does not exist: HTTP 404 with the API
 * server's Status naming it (`details.name`, and `name` when given).
 *
 * A 404 that names no object is not that. A kube-apiserver that has just started, or one that is
 * shutting down, can answer 404 "the server could not find the requested resource" for a custom
 * resource it serves, before its CRD and APIService caches are filled (kubernetes/kubernetes#115241,
 * #71218). A controller that took that 404 for "deleted" would drop the object's work until the
 * next change or resync; it must retry it as any other error instead.
 *
 * @example
 * try {
 *   await api.getNamespacedCustomObject({ group, version, plural, namespace, name });
 * } catch (error) {
 *   if (isObjectNotFound(error, name)) return undefined; // really gone
 *   throw error; // the API server is not serving it right now: retried
 * }
 */
export function isObjectNotFound(error: unknown, name?: string): boolean {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown } | undefined;
  const code = typeof e?.code === "number" ? e.code : e?.statusCode;
  if (code !== 404) return false;
  const named = statusDetailsName(e?.body);
  return named !== undefined && named !== "" && (name === undefined || named === name);
}

function statusDetailsName(body: unknown): string | undefined {
  let status = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined; // "404 page not found": no Status at all
    }
  }
  const details = (status as { details?: { name?: unknown } } | undefined)?.details;
  return typeof details?.name === "string" ? details.name : undefined;
}
