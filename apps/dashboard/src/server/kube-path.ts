// Which paths `api/kube/<path>` may reach on the API server: the Kubernetes API itself (`api/`,
// `apis/`) and its OpenAPI documents (`openapi/`), nothing else (no /metrics, /debug, /logs, …);
// and no subresource that reaches into a workload (`proxy`, `exec`, `attach`, `portforward`): the UI
// needs none, and a workload's HTML or script would come back from the dashboard's own origin.

/** The prefixes of the API server's paths the dashboard forwards. */
export const allowedKubePrefixes = ["api/", "apis/", "openapi/"] as const;

/** The dashboard's route that forwards to the API server. */
export const kubeRoute = "/api/kube/";

/** Subresources (and the legacy `api/v1/proxy/…`) the dashboard never forwards. */
export const refusedSubresources = ["proxy", "exec", "attach", "portforward"] as const;

/**
 * The refused subresource a path reaches, if any. The resource part is what follows `api/<version>/`
 * or `apis/<group>/<version>/` (and `namespaces/<ns>/`, so a namespace may have any name): the
 * first segment (the legacy `api/v1/proxy/…`) and, after `<resource>/<name>`, every segment.
 */
export function refusedSubresourceOf(segments: readonly string[]): string | undefined {
  const versionEnd = segments[0] === "api" ? 2 : segments[0] === "apis" ? 3 : undefined;
  if (versionEnd === undefined) return undefined;
  let rest = segments.slice(versionEnd);
  if (rest[0] === "watch") rest = rest.slice(1);
  const refused = (segment: string | undefined) => (refusedSubresources as readonly string[]).includes(segment?.toLowerCase() ?? "") ? segment : undefined;
  const legacy = refused(rest[0]);
  if (legacy !== undefined) return legacy;
  if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
  for (const segment of rest.slice(2)) if (refused(segment) !== undefined) return segment;
  return undefined;
}

export type KubePathResult = { ok: true; path: string } | { ok: false; code: 400 | 404; message: string };

/**
 * The API server path for a request path under {@link kubeRoute} (as sent: still percent-encoded,
 * without the query). Refused: a path outside {@link allowedKubePrefixes} (404), and one with a
 * `.` or `..` segment, literal or percent-encoded (400), which the API server would resolve to a
 * path outside them; and a path to a {@link refusedSubresources} subresource (404).
 */
export function kubePathOf(requestPath: string): KubePathResult {
  if (!requestPath.startsWith(kubeRoute)) return { ok: false, code: 404, message: `${requestPath} is not under ${kubeRoute}` };
  const path = requestPath.slice(kubeRoute.length);
  const decodedSegments: string[] = [];
  for (const segment of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, code: 400, message: `the path ${path} is not valid percent-encoding` };
    }
    if (decoded === "." || decoded === ".." || decoded.includes("/") || decoded.includes("\\")) {
      return { ok: false, code: 400, message: `the path ${path} has a segment "${segment}": dot segments and encoded slashes are refused` };
    }
    decodedSegments.push(decoded);
  }
  if (!allowedKubePrefixes.some((prefix) => path.startsWith(prefix))) {
    return { ok: false, code: 404, message: `the dashboard forwards only ${allowedKubePrefixes.map((p) => `${p}…`).join(", ")} to the API server, not ${path === "" ? "(empty)" : path}` };
  }
  const subresource = refusedSubresourceOf(decodedSegments);
  if (subresource !== undefined) {
    return { ok: false, code: 404, message: `the dashboard does not forward ${subresource} (${refusedSubresources.join(", ")} reach into workloads; the dashboard needs none of them): ${path}` };
  }
  return { ok: true, path };
}
