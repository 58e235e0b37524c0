import type { ChaosObject } from "@faultline/impl-registry";

/** `"true"` on a chaos object lets it run above the manager's blast-radius limits. */
export const blastRadiusOverrideAnnotation = "faultline.chaos-mesh.org/blast-radius-override";

/** The largest experiment the manager runs without the override annotation. */
export interface BlastRadiusLimits {
  /** Records (targets) per experiment; the chart's `guardRails.maxRecords`, default 1000. */
  maxRecords: number;
  /**
   * Percent (1–100) of a namespace's pods one experiment may target; 100 = no limit (Chaos Mesh's
   * `mode: all` takes 100%). The chart's `guardRails.maxNamespacePercent`.
   */
  maxNamespacePercent: number;
}

/** The limits when nothing is configured: at most 1,000 records, any share of a namespace. */
export const defaultBlastRadiusLimits: BlastRadiusLimits = { maxRecords: 1000, maxNamespacePercent: 100 };

/** An experiment above the blast-radius limits: the Selected condition's reason is `BlastRadiusExceeded`. */
export class BlastRadiusError extends Error {
  override readonly name = "BlastRadiusError";
  readonly reason = "BlastRadiusExceeded";
}

/** Whether the object carries the override annotation (`"true"`). */
export function hasBlastRadiusOverride(obj: ChaosObject): boolean {
  return obj.metadata.annotations?.[blastRadiusOverrideAnnotation] === "true";
}

/**
 * Checks an experiment's selected records against the limits and throws a {@link BlastRadiusError}
 * whose message has the numbers and the override annotation when it is above either: more records
 * than `maxRecords`, or, in some namespace, more distinct pods than `maxNamespacePercent` of that
 * namespace's pods (`podsIn` answers how many pods the namespace has). An object with the override
 * annotation is never refused.
 */
export async function checkBlastRadius(
  obj: ChaosObject,
  recordIds: readonly string[],
  limits: BlastRadiusLimits,
  podsIn: (namespace: string) => Promise<number>,
): Promise<void> {
  const podsPerNamespace = new Map<string, Set<string>>();
  for (const id of recordIds) {
    const [namespace = "", podName = ""] = id.split("/"); // ns/pod or ns/pod/container
    let pods = podsPerNamespace.get(namespace);
    if (!pods) podsPerNamespace.set(namespace, (pods = new Set()));
    pods.add(podName);
  }
  const refusal = await blastRadiusRefusal(obj, recordIds.length, new Map([...podsPerNamespace].map(([ns, pods]) => [ns, pods.size])), limits, podsIn);
  if (refusal !== undefined) throw new BlastRadiusError(refusal);
}

/**
 * The refusal {@link checkBlastRadius} throws, from counts: `records` records, `podsPerNamespace`
 * distinct pods in each namespace; undefined when within the limits or overridden. The plan
 * annotation asks it with what the modes would pick.
 */
export async function blastRadiusRefusal(
  obj: ChaosObject,
  records: number,
  podsPerNamespace: ReadonlyMap<string, number>,
  limits: BlastRadiusLimits,
  podsIn: (namespace: string) => Promise<number>,
): Promise<string | undefined> {
  if (hasBlastRadiusOverride(obj)) return undefined;
  const override = `add the annotation ${blastRadiusOverrideAnnotation}: "true" to run it anyway`;
  if (records > limits.maxRecords) {
    return `blast radius exceeded: ${records} records selected, the manager allows at most ${limits.maxRecords} per experiment (--max-records, chart guardRails.maxRecords); ${override}`;
  }
  if (limits.maxNamespacePercent >= 100) return undefined;
  for (const [namespace, pods] of [...podsPerNamespace].sort(([a], [b]) => a.localeCompare(b))) {
    const total = await podsIn(namespace);
    if (total === 0) continue;
    const percent = (pods / total) * 100;
    if (percent > limits.maxNamespacePercent) {
      return `blast radius exceeded: ${pods} of the ${total} pods of namespace ${namespace} selected (${Math.round(percent)}%), the manager allows at most ${limits.maxNamespacePercent}% (--max-namespace-percent, chart guardRails.maxNamespacePercent); ${override}`;
    }
  }
  return undefined;
}
