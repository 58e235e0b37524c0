// Which paths `api/kube/<path>` may reach on the API server: the Kubernetes API itself (`api/`,
// `apis/`) and its OpenAPI documents (`openapi/`), nothing else (no /metrics, /debug, /logs, …).

/** The prefixes of the API server's paths the dashboard forwards. */
export const allowedKubePrefixes = ["api/", "apis/", "openapi/"] as const;

/** The dashboard's route that forwards to the API server. */
export const kubeRoute = "/api/kube/";

export type KubePathResult = { ok: true; path: string } | { ok: false; code: 400 | 404; message: string };

/**
 * The API server path for a request path under {@link kubeRoute} (as sent: still percent-encoded,
 * without the query). Refused: a path outside {@link allowedKubePrefixes} (404), and one with a
 * `.` or `..` segment, literal or percent-encoded (400), which the API server would resolve to a
 * path outside them.
 */
export function kubePathOf(requestPath: string): KubePathResult {
  if (!requestPath.startsWith(kubeRoute)) return { ok: false, code: 404, message: `${requestPath} is not under ${kubeRoute}` };
  const path = requestPath.slice(kubeRoute.length);
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
  }
  if (!allowedKubePrefixes.some((prefix) => path.startsWith(prefix))) {
    return { ok: false, code: 404, message: `the dashboard forwards only ${allowedKubePrefixes.map((p) => `${p}…`).join(", ")} to the API server, not ${path === "" ? "(empty)" : path}` };
  }
  return { ok: true, path };
}
