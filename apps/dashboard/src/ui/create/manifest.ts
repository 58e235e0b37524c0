// The object the Create page builds, as the form and the YAML tab both show it, and what is sent
// for "Validate" (a server-side dry run), "Preview targets" (the plan annotation) and "Create".
import { experimentHref } from "../routes.js";
import { stringify } from "yaml";
import { currentPlan, ManifestError, planObject as cliPlanObject, readChaosObjectYaml, type ChaosObjectText, type PlanObject } from "@faultline/cli/plan-object";
import { chaosApiVersion } from "@faultline/api";

/** A chaos object as the page edits it. */
export interface ChaosManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: { [k: string]: string }; annotations?: { [k: string]: string } };
  spec: { [field: string]: unknown };
}

/** The object of a kind, namespace, name and spec (labels and annotations kept from `extra`). */
export function buildManifest(kind: string, namespace: string, name: string, spec: { [field: string]: unknown }, extra?: Pick<ChaosManifest["metadata"], "labels" | "annotations">): ChaosManifest {
  return {
    apiVersion: chaosApiVersion,
    kind,
    metadata: { name, namespace, ...(extra?.labels ? { labels: extra.labels } : {}), ...(extra?.annotations ? { annotations: extra.annotations } : {}) },
    spec,
  };
}

/** The YAML the YAML tab shows. */
export function manifestYaml(manifest: ChaosManifest): string {
  return stringify(manifest, { lineWidth: 0 });
}

/** What the YAML tab's text says, or why it cannot be read (the message names the field). */
export type ParsedYaml = { ok: true; manifest: ChaosManifest } | { ok: false; error: string };

/**
 * Reads the YAML tab's text back into the object: one document, apiVersion chaos-mesh.org/v1alpha1,
 * a kind among `kinds` (the kinds the cluster serves), metadata.name and metadata.namespace strings,
 * spec an object.
 */
export function parseManifestYaml(text: string, kinds: readonly string[]): ParsedYaml {
  let o: ChaosObjectText;
  try {
    // one document, a mapping, the apiVersion, a kind: `faultline plan -f`'s reading
    o = readChaosObjectYaml(text);
  } catch (err) {
    if (err instanceof ManifestError) return { ok: false, error: err.message };
    throw err;
  }
  if (!kinds.includes(o.kind)) return { ok: false, error: `kind must be one of the cluster's chaos kinds (${kinds.join(", ")}), not ${JSON.stringify(o.kind)}` };
  const metadata = o.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return { ok: false, error: "metadata must be a mapping with name and namespace" };
  const m = metadata as { [k: string]: unknown };
  if (typeof m["name"] !== "string") return { ok: false, error: "metadata.name must be a string" };
  if (typeof m["namespace"] !== "string") return { ok: false, error: "metadata.namespace must be a string" };
  const spec = o["spec"] ?? {};
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return { ok: false, error: "spec must be a mapping" };
  const labels = isStringMap(m["labels"]) ? m["labels"] : undefined;
  const annotations = isStringMap(m["annotations"]) ? m["annotations"] : undefined;
  if (m["labels"] !== undefined && labels === undefined) return { ok: false, error: "metadata.labels must map names to strings" };
  if (m["annotations"] !== undefined && annotations === undefined) return { ok: false, error: "metadata.annotations must map names to strings" };
  return { ok: true, manifest: buildManifest(o.kind, m["namespace"], m["name"], spec as { [k: string]: unknown }, { labels, annotations }) };
}

function isStringMap(value: unknown): value is { [k: string]: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

/**
 * The object "Preview targets" creates, as `faultline plan` creates it (the CLI's planObject): the
 * same object under a name the API server generates (`<name>-plan-xxxxx`), with the plan annotation
 * (the manager fills `status.plan` and injects nothing) and the pause annotation (so even a manager
 * that ignored the plan annotation would inject nothing).
 */
export function planObject(manifest: ChaosManifest): PlanObject<ChaosManifest> {
  return cliPlanObject(manifest, manifest.metadata.name, manifest.metadata.namespace);
}

/** The manager's plan of an object once it is for the object's current generation (the CLI's rule). */
export { currentPlan };

/** One field error of the API server's refusal (a 422 `Status`'s `details.causes`). */
export interface FieldError {
  field: string;
  message: string;
}

/** The field errors of a `Status` body: each cause's field and message (the API server's words). */
export function statusFieldErrors(status: unknown): FieldError[] {
  const causes = (status as { details?: { causes?: { field?: unknown; message?: unknown; reason?: unknown }[] } } | null)?.details?.causes;
  if (!Array.isArray(causes)) return [];
  return causes.map((c) => ({ field: typeof c.field === "string" ? c.field : "", message: typeof c.message === "string" ? c.message : String(c.reason ?? "") }));
}

/** The hash route of an experiment's page. */
export const experimentRoute = experimentHref;
