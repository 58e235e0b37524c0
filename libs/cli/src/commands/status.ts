// `faultline status [kind/name] [--watch]`: experiments with records injected/total per node,
// conditions and last Events; --watch redraws progress bars on a terminal, prints changed lines otherwise.
import { chaosApiVersion, chaosGroup, pauseAnnotation, type Record } from "@faultline/api";
import { chaosPath, discoverChaosKinds, findChaosKind, parseKindName, type ChaosKind } from "../chaos-kinds.js";
import { CliError, exitOk, type CliIo } from "../cli-io.js";
import { ApiError, type Kube } from "../kube.js";
import { renderStructured, type OutputFormat } from "../output.js";
import { renderStatusDetail, renderStatusTable, summarizeExperiment, watchFrame, watchLine, type ChaosObject, type EventSummary, type ExperimentSummary } from "./status-summary.js";

export interface StatusOptions {
  target?: string;
  /** undefined = all namespaces. */
  namespace: string | undefined;
  output: OutputFormat;
  watch: boolean;
  intervalMs: number;
}

interface List<T> {
  items: T[];
}
interface PodItem {
  metadata: { name: string; namespace: string };
  spec?: { nodeName?: string };
}
interface EventItem {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  series?: { count?: number; lastObservedTime?: string };
  metadata: { creationTimestamp?: string };
  involvedObject: { uid?: string };
}

const nsPath = (namespace: string | undefined) => (namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`);

/** Every experiment (or the one named), summarized. */
export async function collectStatus(kube: Kube, options: Pick<StatusOptions, "target" | "namespace">, kinds?: ChaosKind[]): Promise<{ summaries: ExperimentSummary[]; warnings: string[] }> {
  const served = kinds ?? (await discoverChaosKinds(kube));
  const warnings: string[] = [];
  const found: { kind: ChaosKind; object: ChaosObject }[] = [];
  if (options.target !== undefined) {
    const { kind: word, name } = parseKindName(options.target);
    const kind = findChaosKind(served, word);
    const namespace = options.namespace ?? kube.defaultNamespace;
    const object = await kube.getIfExists<ChaosObject>(chaosPath(kind, namespace, name), { verb: "get", resource: kind.plural, group: chaosGroup, namespace, name });
    if (object === undefined) throw new CliError(`${kind.kind} ${namespace}/${name} not found`);
    found.push({ kind, object });
  } else {
    // per-kind RBAC: a kind the user may not list is left out (one warning naming the permission);
    // only when every kind is refused is it a failure
    const lists = await Promise.all(
      served.map(async (kind): Promise<{ kind: ChaosKind; list: List<ChaosObject> } | { kind: ChaosKind; refused: ApiError }> => {
        try {
          return { kind, list: await kube.request<List<ChaosObject>>("GET", chaosPath(kind, options.namespace), { verb: "list", resource: kind.plural, group: chaosGroup, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) }) };
        } catch (err) {
          if (err instanceof ApiError && err.status === 403) return { kind, refused: err };
          throw err;
        }
      }),
    );
    const refused = lists.flatMap((l) => ("refused" in l ? [l] : []));
    if (refused.length > 0 && refused.length === lists.length) {
      const first = refused[0]!.refused;
      throw new ApiError(refused.length === 1 ? first.message : `${first.message}; and the same for every other chaos kind (${refused.length} kinds refused: ${refused.map((r) => r.kind.plural).join(", ")})`, 403, first.reason);
    }
    for (const r of refused) warnings.push(`${r.refused.message}: ${r.kind.kind} experiments left out`);
    for (const l of lists) if ("list" in l) for (const object of l.list.items) found.push({ kind: l.kind, object });
  }
  found.sort((a, b) => a.object.metadata.namespace.localeCompare(b.object.metadata.namespace) || a.kind.kind.localeCompare(b.kind.kind) || a.object.metadata.name.localeCompare(b.object.metadata.name));

  // records: the status's, or the RecordShards' of a sharded experiment
  const recordsOf = new Map<string, Record[]>();
  await Promise.all(
    found.map(async ({ object }) => {
      const experiment = object.status?.experiment as { containerRecords?: Record[]; recordShards?: number } | undefined;
      if (experiment?.containerRecords) recordsOf.set(object.metadata.uid, experiment.containerRecords);
      else if (experiment?.recordShards) {
        const ns = object.metadata.namespace;
        try {
          const shards = await kube.request<List<{ spec: { records: Record[] } }>>("GET", `/apis/${chaosApiVersion}/namespaces/${encodeURIComponent(ns)}/recordshards?labelSelector=${encodeURIComponent(`faultline.chaos-mesh.org/experiment-uid=${object.metadata.uid}`)}`, { verb: "list", resource: "recordshards", group: chaosGroup, namespace: ns });
          recordsOf.set(object.metadata.uid, shards.items.flatMap((s) => s.spec.records));
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 403)) throw err;
          warnings.push(`${err.message}: records per node of ${ns}/${object.metadata.name} left out (its counts shown)`);
        }
      }
    }),
  );

  // the nodes of the pods, and the Events, one list per namespace involved
  const namespaces = new Set<string>();
  for (const { object } of found) {
    namespaces.add(object.metadata.namespace);
    for (const r of recordsOf.get(object.metadata.uid) ?? []) namespaces.add(r.id.split("/")[0]!);
  }
  const nodeOf = new Map<string, string>();
  const eventsOf = new Map<string, EventSummary[]>();
  const wide = options.namespace === undefined && namespaces.size > 3;
  const scopes = wide ? [undefined] : [...namespaces];
  await Promise.all(
    scopes.map(async (ns) => {
      const scope = ns === undefined ? {} : { namespace: ns };
      try {
        const pods = await kube.request<List<PodItem>>("GET", `/api/v1${nsPath(ns)}/pods`, { verb: "list", resource: "pods", group: "", ...scope });
        for (const p of pods.items) nodeOf.set(`${p.metadata.namespace}/${p.metadata.name}`, p.spec?.nodeName ?? "");
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 403)) throw err;
        warnings.push(`${err.message}: nodes shown as "(no node)"`);
      }
      try {
        const events = await kube.request<List<EventItem>>("GET", `/api/v1${nsPath(ns)}/events?fieldSelector=${encodeURIComponent(`involvedObject.apiVersion=${chaosApiVersion}`)}`, { verb: "list", resource: "events", group: "", ...scope });
        for (const e of events.items) {
          const uid = e.involvedObject.uid;
          if (uid === undefined) continue;
          const list = eventsOf.get(uid) ?? [];
          const lastSeen = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
          list.push({ type: e.type ?? "", reason: e.reason ?? "", message: e.message ?? "", count: e.series?.count ?? e.count ?? 1, ...(lastSeen ? { lastSeen } : {}) });
          eventsOf.set(uid, list);
        }
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 403)) throw err;
        warnings.push(`${err.message}: events left out`);
      }
    }),
  );
  const summaries = found.map(({ kind, object }) => summarizeExperiment(kind.kind, object, recordsOf.get(object.metadata.uid) ?? [], (pod) => nodeOf.get(pod), eventsOf.get(object.metadata.uid) ?? [], pauseAnnotation));
  return { summaries, warnings: [...new Set(warnings)] };
}

export async function runStatus(kube: Kube, io: CliIo, options: StatusOptions): Promise<number> {
  const now = () => io.now?.() ?? new Date();
  if (!options.watch) {
    const { summaries, warnings } = await collectStatus(kube, options);
    for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
    if (options.output !== "table") {
      io.stdout.write(renderStructured(options.target !== undefined ? summaries[0] : { items: summaries }, options.output));
    } else if (options.target !== undefined) {
      io.stdout.write(renderStatusDetail(summaries[0]!, { now: now() }));
    } else if (summaries.length === 0) {
      io.stderr.write(`No chaos experiments found${options.namespace === undefined ? "" : ` in namespace ${options.namespace}`}.\n`);
    } else {
      io.stdout.write(renderStatusTable(summaries, { allNamespaces: options.namespace === undefined, now: now() }));
    }
    return exitOk;
  }
  return watchStatus(kube, io, options, now);
}

async function watchStatus(kube: Kube, io: CliIo, options: StatusOptions, now: () => Date): Promise<number> {
  const kinds = await discoverChaosKinds(kube);
  const tty = io.stdout.isTTY === true && options.output === "table";
  let stop = false;
  void io.interrupted.then(() => (stop = true));
  let drawn = 0;
  const lastLine = new Map<string, string>();
  const warned = new Set<string>();
  while (!stop) {
    const { summaries, warnings } = await collectStatus(kube, options, kinds);
    for (const w of warnings) if (!warned.has(w)) (warned.add(w), io.stderr.write(`warning: ${w}\n`));
    if (tty) {
      const frame = watchFrame(summaries, now(), io.stdout.columns ?? 120);
      // back to the first line of the previous frame, then each line cleared and redrawn
      io.stdout.write((drawn > 0 ? `\x1b[${drawn}A\r` : "") + frame.map((l) => `\x1b[2K${l}\n`).join("") + "\x1b[J");
      drawn = frame.length;
    } else {
      const seen = new Set<string>();
      for (const s of summaries) {
        const key = `${s.kind}/${s.namespace}/${s.name}`;
        seen.add(key);
        if (options.output !== "table") {
          const doc = JSON.stringify(s);
          const compare = JSON.stringify({ ...s, events: s.events.length });
          if (lastLine.get(key) !== compare) io.stdout.write(options.output === "json" ? `${doc}\n` : renderStructured(s, "yaml") + "---\n");
          lastLine.set(key, compare);
          continue;
        }
        const line = watchLine(s);
        if (lastLine.get(key) !== line) io.stdout.write(`${now().toISOString().slice(11, 19)} ${line}\n`);
        lastLine.set(key, line);
      }
      for (const key of [...lastLine.keys()]) {
        if (seen.has(key)) continue;
        lastLine.delete(key);
        if (options.output === "table") io.stdout.write(`${now().toISOString().slice(11, 19)} ${key.split("/").slice(0, 1)} ${key.split("/").slice(1).join("/")} gone\n`);
      }
    }
    await Promise.race([new Promise((r) => setTimeout(r, options.intervalMs)), io.interrupted]);
  }
  return exitOk;
}
