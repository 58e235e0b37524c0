// The pure parts of `faultline plan`, shared with the dashboard's "Preview targets"
// (`@faultline/cli/plan-object`): the one chaos object of a YAML text, the object a plan creates,
// the plan that answers it, and the safety rule that refuses to plan on a manager too old for it.
import { parseAllDocuments } from "yaml";
import { chaosApiVersion, killSwitchResource, pauseAnnotation, planAnnotation, type ExperimentPlan } from "@faultline/api";

/** A chaos object as read from YAML, before its fields are checked further. */
export interface ChaosObjectText {
  apiVersion: string;
  kind: string;
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown; annotations?: { [k: string]: string }; [k: string]: unknown };
  [k: string]: unknown;
}

/** Thrown with the field that is wrong. */
export class ManifestError extends Error {}

/** The one object of a YAML text: one document, a mapping, apiVersion chaos-mesh.org/v1alpha1, a kind (ManifestError naming the field otherwise). */
export function readChaosObjectYaml(text: string): ChaosObjectText {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw new ManifestError(`not valid YAML: ${d.errors[0]!.message}`);
  const present = list.filter((d) => d.contents !== null);
  if (present.length !== 1) throw new ManifestError(`one chaos object expected, the text holds ${present.length} documents`);
  const object = present[0]!.toJS() as unknown;
  if (typeof object !== "object" || object === null || Array.isArray(object)) throw new ManifestError("not a Kubernetes object (a mapping with apiVersion, kind, metadata and spec)");
  const o = object as { [k: string]: unknown };
  if (o["apiVersion"] !== chaosApiVersion) throw new ManifestError(`apiVersion must be ${chaosApiVersion}, not ${JSON.stringify(o["apiVersion"] ?? null)}`);
  if (typeof o["kind"] !== "string") throw new ManifestError("kind is missing");
  return o as ChaosObjectText;
}

/** The metadata a server sets, left out of what a plan creates. */
type ServerSet = "name" | "namespace" | "generateName" | "resourceVersion" | "uid" | "creationTimestamp";

/** The object a plan creates. */
export type PlanObject<T extends { metadata?: object }> = Omit<T, "metadata" | "status"> & {
  metadata: Omit<NonNullable<T["metadata"]>, ServerSet | "annotations"> & { generateName: string; namespace: string; annotations: { [k: string]: string } };
};

/**
 * The object a plan creates from `manifest`: the same object under a name the API server generates
 * (`<name>-plan-xxxxx`) in `namespace`, with the plan annotation (the manager fills `status.plan`
 * and injects nothing) and the pause annotation (so even a manager that ignored the plan annotation
 * would inject nothing); no status.
 */
export function planObject<T extends { metadata?: { annotations?: { [k: string]: string } }; status?: unknown }>(manifest: T, name: string, namespace: string): PlanObject<T> {
  const { metadata, status: _status, ...rest } = manifest;
  const { name: _n, namespace: _ns, generateName: _g, resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, annotations, ...restMeta } = (metadata ?? {}) as { [k: string]: unknown; annotations?: { [k: string]: string } };
  return {
    ...(rest as Omit<T, "metadata" | "status">),
    metadata: { ...(restMeta as Omit<NonNullable<T["metadata"]>, ServerSet | "annotations">), generateName: `${name}-plan-`, namespace, annotations: { ...(annotations ?? {}), [planAnnotation]: "true", [pauseAnnotation]: "true" } },
  };
}

/** The manager's plan of an object once it is for the object's current generation. */
export function currentPlan(object: { metadata?: { generation?: number }; status?: { plan?: ExperimentPlan } }): ExperimentPlan | undefined {
  const plan = object.status?.plan;
  return plan !== undefined && plan.observedGeneration >= (object.metadata?.generation ?? 0) ? plan : undefined;
}

/**
 * Whether the cluster's Faultline knows the plan annotation, from the discovery document of the
 * KillSwitch's group (undefined: that group is not served). The KillSwitch CRD came in the same
 * release as the plan annotation, and any authenticated user may read discovery.
 */
export function managerKnowsPlan(discovery: { resources?: { name?: string }[] } | undefined): boolean {
  return (discovery?.resources ?? []).some((r) => r.name === killSwitchResource.plural);
}

/** Why a plan is refused on a manager that predates plans: it would run a one-shot action despite the pause annotation. */
export function planRefusal(): string {
  const { group, version, plural } = killSwitchResource;
  return `refusing to plan: the cluster does not serve ${plural}.${group}/${version}, so its Faultline manager is too old to plan safely: it ignores the ${planAnnotation} annotation and would run a one-shot action (pod-kill, container-kill, HelloWorldChaos) despite the pause annotation; upgrade Faultline (its chart and CRDs) first`;
}
