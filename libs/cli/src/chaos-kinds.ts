// The chaos kinds the cluster serves, from discovery of chaos-mesh.org/v1alpha1 (so a kind added
// to the manager later works with no change here), and `kind/name` arguments resolved against them.
import { chaosGroup, chaosVersion } from "@faultline/api";
import { CliError, UsageError } from "./cli-io.js";
import { apiErrorFor, type Kube } from "./kube.js";

/** One chaos kind as discovery lists it. */
export interface ChaosKind {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
}

interface ApiResourceList {
  resources: { name: string; kind: string; singularName?: string; shortNames?: string[]; namespaced: boolean }[];
}

/** The namespaced chaos kinds of a discovery answer: kinds ending in "Chaos", subresources left out. */
export function chaosKindsOf(list: ApiResourceList): ChaosKind[] {
  return list.resources
    .filter((r) => !r.name.includes("/") && r.namespaced && r.kind.endsWith("Chaos"))
    .map((r) => ({ kind: r.kind, plural: r.name, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [] }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

export async function discoverChaosKinds(kube: Kube): Promise<ChaosKind[]> {
  const { status, body } = await kube.raw("GET", `/apis/${chaosGroup}/${chaosVersion}`, {});
  if (status === 404) throw new CliError(`the cluster serves no ${chaosGroup}/${chaosVersion} API: are Faultline's CRDs installed?`);
  if (status < 200 || status > 299) throw apiErrorFor(status, body, { verb: "get", resource: "discovery", group: chaosGroup });
  return chaosKindsOf(body as ApiResourceList);
}

/** A kind by its kind, plural, singular or short name, case-insensitive (kubectl's way). */
export function findChaosKind(kinds: readonly ChaosKind[], word: string): ChaosKind {
  const w = word.toLowerCase().replace(/\.chaos-mesh\.org$/, "");
  const found = kinds.find((k) => k.kind.toLowerCase() === w || k.plural === w || k.singular === w || k.shortNames.includes(w));
  if (!found) throw new UsageError(`unknown chaos kind "${word}": the cluster serves ${kinds.map((k) => k.kind).join(", ") || "no chaos-mesh.org chaos kind"}`);
  return found;
}

/** `kind/name` → its parts (a usage error naming the argument otherwise). */
export function parseKindName(argument: string): { kind: string; name: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(argument);
  if (!match) throw new UsageError(`"${argument}" is not kind/name (for example podchaos/web-kill)`);
  return { kind: match[1]!, name: match[2]! };
}

/** The collection path of a kind in a namespace, or across all of them. */
export function chaosPath(kind: ChaosKind, namespace: string | undefined, name?: string): string {
  const base = namespace === undefined ? `/apis/${chaosGroup}/${chaosVersion}/${kind.plural}` : `/apis/${chaosGroup}/${chaosVersion}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}
