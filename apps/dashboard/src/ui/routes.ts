// Hash routes (`#/experiments/<ns>/<plural>/<name>`): the dashboard works under any subpath, and a
// link to a view (filters included, `#/experiments?kind=PodChaos`) can be shared. Pure.

export type Route =
  | { page: "experiments"; query: URLSearchParams }
  | { page: "experiment"; namespace: string; plural: string; name: string }
  | { page: "create"; query: URLSearchParams }
  | { page: "workflows"; query: URLSearchParams }
  | { page: "workflow"; namespace: string; name: string }
  | { page: "schedules"; query: URLSearchParams }
  | { page: "nodes" }
  | { page: "not-found"; path: string };

/** The route of a `location.hash` ("" and "#/" are the experiments list). */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const query = new URLSearchParams(queryPart);
  let segments: string[];
  try {
    segments = pathPart.split("/").filter((s) => s !== "").map(decodeURIComponent);
  } catch {
    return { page: "not-found", path: pathPart };
  }
  // a part is one name: one that decodes to a "/" or is "." / ".." would climb out of the API path
  // it is put in (a shared link could make Delete act on any object), so no page has it
  if (segments.some((s) => s.includes("/") || s === "." || s === "..")) return { page: "not-found", path: pathPart };
  const [first, ...rest] = segments;
  if (first === undefined) return { page: "experiments", query };
  if (first === "experiments" && rest.length === 0) return { page: "experiments", query };
  if (first === "experiments" && rest.length === 3) return { page: "experiment", namespace: rest[0]!, plural: rest[1]!, name: rest[2]! };
  if (first === "create" && rest.length === 0) return { page: "create", query };
  if (first === "workflows" && rest.length === 0) return { page: "workflows", query };
  if (first === "workflows" && rest.length === 2) return { page: "workflow", namespace: rest[0]!, name: rest[1]! };
  if (first === "schedules" && rest.length === 0) return { page: "schedules", query };
  if (first === "nodes" && rest.length === 0) return { page: "nodes" };
  return { page: "not-found", path: pathPart };
}

/** `#/experiments/<ns>/<plural>/<name>`, each part encoded (a name with "/" has no page: parseRoute refuses it). */
export const experimentHref = (namespace: string, plural: string, name: string) => `#/experiments/${encodeURIComponent(namespace)}/${encodeURIComponent(plural)}/${encodeURIComponent(name)}`;

/** `#/workflows/<ns>/<name>`. */
export const workflowHref = (namespace: string, name: string) => `#/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

/** A list's hash with its filters (empty values left out), e.g. `#/experiments?kind=PodChaos`. */
export function listHref(page: string, filters: { [key: string]: string | undefined }): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== "") query.set(key, value);
  const text = query.toString();
  return `#/${page}${text === "" ? "" : `?${text}`}`;
}

/** The nav entry a route belongs to (for aria-current). */
export function navSection(route: Route): "experiments" | "workflows" | "schedules" | "nodes" | "create" | undefined {
  switch (route.page) {
    case "experiments":
    case "experiment":
      return "experiments";
    case "workflows":
    case "workflow":
      return "workflows";
    case "schedules":
      return "schedules";
    case "nodes":
      return "nodes";
    case "create":
      return "create";
    default:
      return undefined;
  }
}
