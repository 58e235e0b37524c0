import { builtInChaosKinds } from "@faultline/chaos";
import { podChaos } from "@faultline/chaos/pod";
import { crdsOf } from "@faultline/chaos-kind";

/** What the catalog holds: each built-in kind by name, with its resource's plural. */
export function describeCatalog(): string[] {
  return crdsOf(builtInChaosKinds).map((crd) => `${crd.spec.names.kind} (${crd.spec.names.plural}.${crd.spec.group})`);
}

/** A custom manager's or daemon's list: the built-in kinds, without one the team does not want. */
export const withoutPodChaos = builtInChaosKinds.filter((kind) => kind !== podChaos);
