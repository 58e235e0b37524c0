// `faultline plan -f manifest.yaml`: the object created with generateName `<name>-plan-`, the plan
// annotation and the pause annotation (so even a manager that ignores the plan annotation injects
// nothing), status.plan awaited, printed, and the object deleted (always, Ctrl-C too).
import { readFileSync } from "node:fs";
import { chaosGroup, killSwitchResource, planAnnotation, type ExperimentPlan } from "@faultline/api";
import { chaosPath, discoverChaosKinds, findChaosKind } from "../chaos-kinds.js";
import { CliError, exitFailure, exitOk, UsageError, type CliIo } from "../cli-io.js";
import { ApiError, apiErrorFor, type Kube } from "../kube.js";
import { renderStructured, type OutputFormat } from "../output.js";
import { pollUntil } from "../wait.js";
import { currentPlan, ManifestError, type ChaosObjectText, managerKnowsPlan, planObject, planRefusal, readChaosObjectYaml } from "./plan-object.js";
import { renderPlan } from "./plan-render.js";

export interface PlanOptions {
  file: string;
  namespace?: string;
  output: OutputFormat;
  timeoutMs: number;
}

/** The one chaos object of a manifest file, checked (errors name the file and the field). */
export function readChaosManifest(file: string, text: string): ChaosObjectText & { kind: string; metadata: { name: string } } {
  let object: ChaosObjectText;
  try {
    object = readChaosObjectYaml(text);
  } catch (err) {
    if (err instanceof ManifestError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const name = object.metadata?.name ?? (typeof object.metadata?.generateName === "string" ? object.metadata.generateName.replace(/-$/, "") : undefined);
  if (typeof name !== "string" || name === "") throw new UsageError(`${file}: metadata.name is missing`);
  return { ...object, kind: object.kind, metadata: { ...object.metadata, name } };
}

/**
 * Refuses to plan on a cluster whose Faultline predates the plan annotation. Such a manager runs a
 * one-shot action (pod-kill, container-kill, helloworld) even when the object is paused (its desired
 * phase puts OneShot before Paused), so the pause annotation alone does not protect the plan's object.
 * The KillSwitch CRD came in the same release as the plan annotation: its absence from discovery
 * (which every authenticated user may read) says the installation is too old.
 */
export async function assertManagerKnowsPlan(kube: Kube): Promise<void> {
  const { group, version } = killSwitchResource;
  const { status, body } = await kube.raw("GET", `/apis/${group}/${version}`, {});
  const ok = status >= 200 && status <= 299;
  if (status !== 404 && !ok) throw apiErrorFor(status, body, { verb: "get", resource: "discovery", group });
  if (!managerKnowsPlan(ok ? (body as { resources?: { name?: string }[] }) : undefined)) throw new CliError(planRefusal());
}

export async function runPlan(kube: Kube, io: CliIo, options: PlanOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(options.file, "utf8");
  } catch (err) {
    throw new UsageError(`-f ${options.file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  const manifest = readChaosManifest(options.file, text);
  const kind = findChaosKind(await discoverChaosKinds(kube), manifest.kind);
  const fromFile = typeof manifest.metadata.namespace === "string" ? manifest.metadata.namespace : undefined;
  if (options.namespace !== undefined && fromFile !== undefined && options.namespace !== fromFile) {
    throw new UsageError(`-n ${options.namespace} differs from the manifest's metadata.namespace ${fromFile}`);
  }
  const namespace = options.namespace ?? fromFile ?? kube.defaultNamespace;
  const name = manifest.metadata.name;
  await assertManagerKnowsPlan(kube);
  const body = planObject(manifest, name, namespace);
  const access = (verb: string, objectName?: string) => ({ verb, resource: kind.plural, group: chaosGroup, namespace, ...(objectName ? { name: objectName } : {}) });
  let created: { metadata: { name: string; generation?: number } };
  try {
    created = await kube.request("POST", chaosPath(kind, namespace), access("create"), { body });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 422 || err.status === 400)) throw new CliError(`the API server refused ${kind.kind} ${options.file}: ${err.message.replace(/^.*failed with HTTP \d+: /, "")}`);
    throw err;
  }
  const createdName = created.metadata.name;
  try {
    io.stderr.write(`Created ${kind.kind} ${namespace}/${createdName} (plan only, paused); waiting for the manager's plan…\n`);
    const plan = await pollUntil(
      io,
      { timeoutMs: options.timeoutMs, timeoutMessage: () => `no plan from the manager within ${options.timeoutMs / 1000}s (status.plan of ${kind.kind} ${namespace}/${createdName} stayed empty): is the Faultline manager running, and new enough to know the ${planAnnotation} annotation?` },
      async () => {
        const current = await kube.request<{ metadata: { generation?: number }; status?: { plan?: ExperimentPlan } }>("GET", chaosPath(kind, namespace, createdName), access("get", createdName));
        return currentPlan(current);
      },
    );
    if (options.output === "table") io.stdout.write(renderPlan(`${kind.kind} ${namespace}/${name}`, plan));
    else io.stdout.write(renderStructured(plan, options.output));
    return (plan.refusals ?? []).length > 0 ? exitFailure : exitOk;
  } finally {
    try {
      await kube.request("DELETE", chaosPath(kind, namespace, createdName), access("delete", createdName));
    } catch (err) {
      io.stderr.write(`faultline: could not delete the plan's object ${kind.kind} ${namespace}/${createdName}: ${(err as Error).message}\n`);
    }
  }
}
