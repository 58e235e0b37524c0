// One experiment (#/experiments/<ns>/<plural>/<name>), live: summary, conditions, its records per
// node and as a timeline, the selector, the plan (status.plan), its Events; Pause / Resume / Delete.
import { Suspense, lazy, useMemo, useState } from "react";
import { pauseAnnotation, type Record } from "@faultline/api";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { ConditionsList } from "../components/conditions-list.js";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { useNow } from "../components/use-now.js";
import { kubeRequest } from "../kube/kube-client.js";
import { useKubeGet, useKubeList, useKubeLists, useKubeObject } from "../kube/use-kube.js";
import type { KubeObject } from "../kube/watch-events.js";
import { ExperimentTimeline } from "./experiment-timeline.js";
import { nodeIndex, recordNamespaces, recordsByNode, type NodeGroup } from "./experiment-records.js";
import { eventRows, recordShardsPath, shardRecords, selectorEntries, type EventObject, type RecordShardObject } from "./experiment-model.js";
import { age, badgeClass, chaosCollectionPath, chaosDiscoveryPath, experimentPhaseOf, lookupChaosKind, recordCounts, type ApiResourceList, type ChaosKind, type ChaosObject } from "./experiments-model.js";
import { chaosResource, collectionPath, coreResource, objectPath } from "../kube/kube-paths.js";

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
}

const maxCellsPerNode = 500;

// the plan is drawn as `faultline plan` prints it (the CLI's renderer, with YAML): loaded when an experiment has one
const PlanSection = lazy(() => import("./experiment-plan.js").then((m) => ({ default: m.PlanSection })));

/**
 * The page acts on `plural` only once discovery lists it as a chaos kind: the route comes from a
 * URL anyone may share, so an unknown plural gets a page that says so and makes no request with it.
 */
export function ExperimentPage(props: { namespace: string; plural: string; name: string }) {
  const { namespace, plural, name } = props;
  const discovery = useKubeGet<ApiResourceList>(chaosDiscoveryPath);
  const lookup = lookupChaosKind(discovery.value, plural);
  if (lookup.state === "known") return <KnownExperimentPage namespace={namespace} kind={lookup.kind} name={name} />;
  return (
    <main>
      <h1>
        {plural} {namespace}/{name}
      </h1>
      {discovery.error ? (
        <KubeErrorNote error={discovery.error} context="the chaos kinds the cluster serves are unknown" />
      ) : lookup.state === "unknown" ? (
        <p className="note note-warn" data-testid="unknown-kind">
          Unknown kind <code>{plural}</code>: the cluster serves no chaos kind of that name in {chaosDiscoveryPath}.
        </p>
      ) : (
        <p role="status">Loading…</p>
      )}
      <p>
        <a href="#/experiments">Back to the experiments</a>
      </p>
    </main>
  );
}

function KnownExperimentPage(props: { namespace: string; kind: ChaosKind; name: string }) {
  const { namespace, kind, name } = props;
  const plural = kind.plural;
  const live = useKubeObject<ChaosObject>(chaosCollectionPath(plural, namespace), name);
  const object = live.object;
  const now = useNow(1000);

  const shards = object?.status?.experiment?.recordShards ?? 0;
  const shardList = useKubeList<RecordShardObject>(shards > 0 && object?.metadata.uid ? recordShardsPath(namespace, object.metadata.uid) : undefined);
  const records: Record[] = useMemo(() => (shards > 0 ? shardRecords(shardList.items) : (object?.status?.experiment?.containerRecords ?? [])), [shards, shardList.items, object]);
  const namespaces = useMemo(() => recordNamespaces(records), [records]);
  const podLists = useKubeLists<PodObject>(namespaces.map((ns) => collectionPath(coreResource("pods"), ns)));
  const nodes = useMemo(() => nodeIndex(podLists.flatMap((l) => l.items)), [podLists]);
  const groups = useMemo(() => recordsByNode(records, (pod) => nodes.get(pod)), [records, nodes]);
  const events = useKubeList<EventObject>(`${collectionPath(coreResource("events"), namespace)}?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`);

  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [deleting, setDeleting] = useState(false);

  const title = `${kind.kind} ${namespace}/${name}`;
  if (!object) {
    return (
      <main>
        <h1>{title}</h1>
        {live.error ? <KubeErrorNote error={live.error} /> : live.missing ? <p>This experiment does not exist (or was deleted).</p> : <p role="status">Loading…</p>}
        <p>
          <a href="#/experiments">Back to the experiments</a>
        </p>
      </main>
    );
  }

  const path = objectPath(chaosResource(plural), namespace, name);
  const paused = object.metadata.annotations?.[pauseAnnotation] === "true";
  const phase = experimentPhaseOf(object);
  const counts = shards > 0 && records.length > 0 ? { injected: groups.reduce((n, g) => n + g.injected, 0), total: records.length } : recordCounts(object.status);
  const spec = object.spec ?? {};
  const plan = object.status?.plan;
  const uid = object.metadata.uid;
  const rows = eventRows(events.items, uid);

  const setPaused = async (pause: boolean) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await kubeRequest("PATCH", path, { body: { metadata: { annotations: { [pauseAnnotation]: pause ? "true" : null } } }, contentType: "application/merge-patch+json" });
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await kubeRequest("DELETE", path);
      setDeleting(false);
      window.location.hash = "#/experiments";
    } catch (err) {
      // shown under the buttons, the page's first refusal (before any refusal of its pods or Events)
      setDeleting(false);
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <p className="breadcrumb">
        <a href="#/experiments">Experiments</a> / {namespace}
      </p>
      <h1>{title}</h1>
      <div className="toolbar">
        {paused ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void setPaused(false)}>
            Resume
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void setPaused(true)}>
            Pause
          </button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => (setActionError(undefined), setDeleting(true))}>
          Delete
        </button>
      </div>
      {actionError !== undefined && <KubeErrorNote error={actionError} />}
      {object.metadata.deletionTimestamp && <p className="note note-warn">Being deleted: the manager recovers its records, then removes its finalizer.</p>}

      <dl className="summary">
        <dt>Phase</dt>
        <dd>
          <span className={badgeClass(phase)}>{phase}</span>
          {paused && phase !== "Paused" ? " (pause requested)" : ""}
        </dd>
        <dt>Records injected</dt>
        <dd>
          {counts.injected}/{counts.total}
          {shards > 0 ? ` (in ${shards} RecordShard${shards === 1 ? "" : "s"})` : ""}
        </dd>
        <dt>Desired phase</dt>
        <dd>{object.status?.experiment?.desiredPhase ?? "not decided yet"}</dd>
        {typeof spec["action"] === "string" && (
          <>
            <dt>Action</dt>
            <dd>{spec["action"]}</dd>
          </>
        )}
        <dt>Duration</dt>
        <dd>{typeof spec["duration"] === "string" ? spec["duration"] : "until deleted or paused"}</dd>
        <dt>Created</dt>
        <dd>
          {object.metadata.creationTimestamp ?? "-"} ({age(object.metadata.creationTimestamp, now)} ago)
        </dd>
      </dl>

      <h2>Conditions</h2>
      <ConditionsList conditions={object.status?.conditions ?? []} messages />

      <h2>Selector</h2>
      <dl className="summary">
        {selectorEntries(spec).map(([key, value]) => (
          <div key={key} style={{ display: "contents" }}>
            <dt>{key}</dt>
            <dd>
              <code>{value}</code>
            </dd>
          </div>
        ))}
      </dl>

      {plan && (
        <Suspense fallback={<p role="status">Loading the plan…</p>}>
          <PlanSection title={title} plan={plan} />
        </Suspense>
      )}

      <h2>Records per node</h2>
      {shards > 0 && shardList.error && <KubeErrorNote error={shardList.error} context="reading the records' RecordShards" />}
      {podLists.map((l, i) => (l.error ? <KubeErrorNote key={namespaces[i]} error={l.error} context="the nodes of the records' pods are unknown" /> : null))}
      <RecordGrid groups={groups} />

      <h2>Timeline</h2>
      <ExperimentTimeline records={records} now={now} {...(object.metadata.creationTimestamp ? { since: Date.parse(object.metadata.creationTimestamp) } : {})} />

      <h2>Events</h2>
      {events.error && <KubeErrorNote error={events.error} />}
      {rows.length === 0 ? (
        <p className="muted">{events.synced ? "No Events (they expire after an hour)." : "Loading…"}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Age</th>
                <th scope="col">Type</th>
                <th scope="col">Reason</th>
                <th scope="col">Message</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.key} data-testid="event-row">
                  <td>{age(e.lastSeen, now)}</td>
                  <td>
                    <span className={badgeClass(e.type === "Warning" ? "failed" : "idle")}>{e.type}</span>
                  </td>
                  <td>{e.reason}</td>
                  <td>{e.message}</td>
                  <td>{e.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={deleting}
        title={`Delete ${title}?`}
        confirmLabel="Delete"
        danger
        busy={busy}
        onCancel={() => setDeleting(false)}
        onConfirm={() => void remove()}
      >
        <p>The manager recovers every record of the experiment, then the object is gone. This cannot be undone.</p>
      </ConfirmDialog>
    </main>
  );
}

function RecordGrid(props: { groups: NodeGroup[] }) {
  if (props.groups.length === 0)
    return (
      <div data-testid="record-grid" className="record-grid">
        <p className="muted">No records yet: nothing is selected.</p>
      </div>
    );
  return (
    <div data-testid="record-grid" className="record-grid">
      {props.groups.map((g) => (
        <section key={g.node} className="node-group" aria-label={`Node ${g.node || "unknown"}`}>
          <h3>
            {g.node || "(node unknown: unscheduled, gone, or not readable)"}{" "}
            <span className="muted">
              {g.injected}/{g.cells.length} injected
            </span>
          </h3>
          <ul className="cells">
            {g.cells.slice(0, maxCellsPerNode).map((c) => (
              <li
                key={c.id}
                className={`cell cell-${c.state.toLowerCase().replace(/ /g, "-").replace("apply-failed", "failed").replace("recover-failed", "failed")}`}
                data-testid="record-cell"
                data-record={c.id}
                data-state={c.state}
                title={c.lastEvent ? `${c.lastEvent.operation} ${c.lastEvent.type} at ${c.lastEvent.timestamp}${c.lastEvent.message ? `: ${c.lastEvent.message}` : ""}` : c.phase}
              >
                {c.container ? `${c.pod.split("/")[1]}/${c.container}` : c.pod.split("/")[1]}: {c.state}
              </li>
            ))}
          </ul>
          {g.cells.length > maxCellsPerNode && <p className="muted">… and {g.cells.length - maxCellsPerNode} more records on this node.</p>}
        </section>
      ))}
    </div>
  );
}
