// `faultline stop --all` / `resume --all`: the kill switch (KillSwitch "cluster", cluster-scoped,
// faultline.chaos-mesh.org/v1alpha1), created or patched; stop waits until its status says every
// record is recovered. `stop kind/name` / `resume kind/name`: Chaos Mesh's pause annotation on one object.
import { chaosGroup, killSwitchApiVersion, killSwitchKind, killSwitchName, killSwitchResource, pauseAnnotation, type KillSwitch } from "@faultline/api";
import { chaosPath, discoverChaosKinds, findChaosKind, parseKindName } from "../chaos-kinds.js";
import { CliError, exitOk, type CliIo } from "../cli-io.js";
import { ApiError, type Kube } from "../kube.js";
import { renderStructured, type OutputFormat } from "../output.js";
import { pollUntil } from "../wait.js";

export const killSwitchGroup = killSwitchResource.group;
const killSwitchesPath = `/apis/${killSwitchGroup}/${killSwitchResource.version}/${killSwitchResource.plural}`;
export const killSwitchPath = `${killSwitchesPath}/${killSwitchName}`;
const killSwitchAccess = (verb: string) => ({ verb, resource: killSwitchResource.plural, group: killSwitchGroup, name: killSwitchName });

export interface StopOptions {
  action: "stop" | "resume";
  target?: string;
  namespace: string;
  reason?: string;
  wait: boolean;
  timeoutMs: number;
  output: OutputFormat;
}

/** The user's name from a SelfSubjectReview, or undefined when the API server does not say. */
export async function whoAmI(kube: Kube): Promise<string | undefined> {
  try {
    const review = await kube.request<{ status?: { userInfo?: { username?: string } } }>(
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { verb: "create", resource: "selfsubjectreviews", group: "authentication.k8s.io" },
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
    );
    return review.status?.userInfo?.username?.slice(0, 256) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the manager has seen this generation and says every record is recovered. */
export function killSwitchRecovered(ks: KillSwitch): boolean {
  const seen = ks.status?.observedGeneration !== undefined && ks.metadata.generation !== undefined && ks.status.observedGeneration >= ks.metadata.generation;
  const allRecovered = ks.status?.conditions?.find((c) => c.type === "AllRecovered")?.status === "True";
  return seen && ks.spec.engaged && allRecovered && (ks.status?.activeRecords ?? 0) === 0;
}

export async function runStopOrResume(kube: Kube, io: CliIo, options: StopOptions): Promise<number> {
  if (options.target !== undefined) return pauseOne(kube, io, options.target, options);
  const engaged = options.action === "stop";
  const current = await kube.getIfExists<KillSwitch>(killSwitchPath, killSwitchAccess("get"));
  let ks: KillSwitch;
  if (current === undefined && !engaged) {
    io.stderr.write("The kill switch is not engaged (killswitch/cluster does not exist): nothing to resume.\n");
    if (options.output !== "table") io.stdout.write(renderStructured({ engaged: false }, options.output));
    return exitOk;
  }
  const engagedBy = engaged ? await whoAmI(kube) : undefined;
  const spec = { engaged, ...(options.reason === undefined ? {} : { reason: options.reason.slice(0, 256) }), ...(engaged ? { engagedBy: engagedBy ?? null } : {}) };
  let created: KillSwitch | undefined;
  if (current === undefined) {
    try {
      created = await kube.request<KillSwitch>("POST", killSwitchesPath, { verb: "create", resource: killSwitchResource.plural, group: killSwitchGroup }, {
        body: { apiVersion: killSwitchApiVersion, kind: killSwitchKind, metadata: { name: killSwitchName }, spec: { engaged, ...(options.reason === undefined ? {} : { reason: spec.reason }), ...(engagedBy === undefined ? {} : { engagedBy }) } },
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new CliError(`the cluster does not serve killswitches.${killSwitchGroup}: is Faultline's CRD installed (helm upgrade of the chart)?`);
      // 409: someone created it between our GET and POST (another on-call engineer): patch theirs
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
  }
  if (created !== undefined) ks = created;
  else ks = await kube.request<KillSwitch>("PATCH", killSwitchPath, killSwitchAccess("patch"), { body: { spec }, contentType: "application/merge-patch+json" });
  if (!engaged) {
    io.stderr.write(`Kill switch disengaged: experiments that were running resume.\n`);
    if (options.output !== "table") io.stdout.write(renderStructured(ks, options.output));
    return exitOk;
  }
  io.stderr.write(`Kill switch engaged${options.reason ? ` (${options.reason})` : ""}${engagedBy ? ` by ${engagedBy}` : ""}: every experiment is being recovered, nothing new starts.\n`);
  if (options.wait) {
    const tty = io.stdout.isTTY === true && options.output === "table";
    let last = "";
    const started = Date.now();
    ks = await pollUntil(
      io,
      {
        timeoutMs: options.timeoutMs,
        timeoutMessage: () =>
          last === ""
            ? `the kill switch is engaged, but no manager acknowledged it within ${options.timeoutMs / 1000}s (status.observedGeneration is not ${ks.metadata.generation}): is the Faultline manager running?`
            : `the kill switch is engaged, but not every record was recovered within ${options.timeoutMs / 1000}s: ${last}`,
      },
      async () => {
        ks = await kube.request<KillSwitch>("GET", killSwitchPath, killSwitchAccess("get"));
        if (killSwitchRecovered(ks)) return ks;
        const seen = (ks.status?.observedGeneration ?? -1) >= (ks.metadata.generation ?? 0);
        const line = seen ? `${ks.status?.activeRecords ?? "?"} records still injected` : "";
        if (line !== "" && line !== last) io.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
        last = line;
        return undefined;
      },
    );
    if (tty && last !== "") io.stderr.write("\r\x1b[2K");
    io.stderr.write(`Every record recovered (${((Date.now() - started) / 1000).toFixed(1)}s${ks.status?.recoveredAt ? `, at ${ks.status.recoveredAt}` : ""}).\n`);
  }
  if (options.output !== "table") io.stdout.write(renderStructured(ks, options.output));
  return exitOk;
}

async function pauseOne(kube: Kube, io: CliIo, target: string, options: StopOptions): Promise<number> {
  const { kind: word, name } = parseKindName(target);
  const kind = findChaosKind(await discoverChaosKinds(kube), word);
  const patch = { metadata: { annotations: { [pauseAnnotation]: options.action === "stop" ? "true" : null } } };
  let object: unknown;
  try {
    object = await kube.request("PATCH", chaosPath(kind, options.namespace, name), { verb: "patch", resource: kind.plural, group: chaosGroup, namespace: options.namespace, name }, { body: patch, contentType: "application/merge-patch+json" });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CliError(`${kind.kind} ${options.namespace}/${name} not found`);
    throw err;
  }
  io.stderr.write(`${kind.kind} ${options.namespace}/${name} ${options.action === "stop" ? "paused: its records are being recovered" : "resumed"}.\n`);
  if (options.output !== "table") io.stdout.write(renderStructured(object, options.output));
  return exitOk;
}
