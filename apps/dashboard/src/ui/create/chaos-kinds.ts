// The chaos kinds the cluster serves, from discovery of chaos-mesh.org/v1alpha1 (which any
// authenticated user may read): namespaced kinds ending in "Chaos", subresources left out — the
// filter of the CLI's chaosKindsOf (libs/cli/src/chaos-kinds.ts, not importable in a browser: its
// module reaches the CLI's Node HTTP client). A kind the manager adds later appears with no edit here.

/** A resource of a discovery answer (`APIResourceList.resources[]`). */
export interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
  singularName?: string;
  shortNames?: string[];
}

export interface UiChaosKind {
  kind: string;
  plural: string;
}

export function chaosKindsOf(list: { resources?: DiscoveredResource[] }): UiChaosKind[] {
  return (list.resources ?? [])
    .filter((r) => !r.name.includes("/") && r.namespaced && r.kind.endsWith("Chaos"))
    .map((r) => ({ kind: r.kind, plural: r.name }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

/** The plural (resource name) of any kind of the group, Workflow and Schedule included. */
export function pluralOf(list: { resources?: DiscoveredResource[] }, kind: string): string | undefined {
  return (list.resources ?? []).find((r) => !r.name.includes("/") && r.kind === kind)?.name;
}
