// The Schedules page (#/schedules): each Schedule the user may list, live, with its cron, last run,
// next runs (computed by the Schedule controller's own cron code), concurrency policy, history
// limit and the objects it created (owned by it; read again whenever the Schedule changes).
import { useMemo } from "react";
import type { ChaosStatus } from "@faultline/api";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { useNow } from "../components/use-now.js";
import { useKubeGet, useKubeList } from "../kube/use-kube.js";
import { chaosResource, collectionPath } from "../kube/kube-paths.js";
import { chaosCollectionPath, chaosDiscoveryPath } from "./experiments-model.js";
import type { KubeList, KubeObject } from "../kube/watch-events.js";
import { pluralOf, type DiscoveredResource } from "../create/chaos-kinds.js";
import { experimentRoute } from "../create/manifest.js";
import { childrenOf, childrenSelector, summarizeSchedule, type ChildLike, type ScheduleView } from "../schedule/schedule-view.js";
import { relativeTime, workflowPhase, type WorkflowView } from "../workflow/workflow-graph.js";
import { workflowHref } from "./workflows-page.js";
import { ListScope, useListNamespace } from "./list-scope.js";
import "../schedule/schedule.css";

type Schedule = KubeObject & ScheduleView;
/** A Schedule's child: a chaos object (its status @faultline/api's ChaosStatus) or a Workflow. */
type Child = KubeObject & ChildLike & { status?: ChaosStatus };

const group = chaosDiscoveryPath;

function When(props: { at: string | Date; now: Date }) {
  const iso = typeof props.at === "string" ? props.at : props.at.toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {iso.replace(/\.000Z$/, "Z")} ({relativeTime(iso, props.now)})
    </time>
  );
}

function childState(child: Child, active: readonly string[]): string {
  if (child.kind === "Workflow") return workflowPhase(child as unknown as WorkflowView);
  if (child.metadata.deletionTimestamp) return "Deleting";
  return active.includes(child.metadata.name) ? "Running" : "Finished";
}

function ScheduleChildren(props: { schedule: Schedule; discovery?: { resources?: DiscoveredResource[] }; active: readonly string[] }) {
  const { schedule, discovery } = props;
  const namespace = schedule.metadata.namespace ?? "";
  const plural = discovery ? pluralOf(discovery, schedule.spec.type) : undefined;
  const selector = childrenSelector(schedule.metadata.name);
  const path = plural ? `${collectionPath(chaosResource(plural), namespace)}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ""}` : undefined;
  // read again whenever the Schedule changes (a run, a prune, a status write): no watch per Schedule
  const list = useKubeGet<KubeList<Child>>(path, Number(schedule.metadata.resourceVersion ?? 0));
  const children = useMemo(() => childrenOf(schedule, (list.value?.items ?? []).map((c) => ({ ...c, kind: schedule.spec.type }))), [schedule, list.value]);
  if (discovery && !plural) return <p className="muted">The cluster serves no kind {schedule.spec.type}.</p>;
  if (list.error) return <KubeErrorNote error={list.error} context={`the ${schedule.spec.type} objects this Schedule created`} />;
  if (!list.value) return <p role="status">Loading its runs…</p>;
  if (children.length === 0) return <p className="muted">No object created yet (or all pruned).</p>;
  return (
    <ul className="schedule-children">
      {children.map((c) => {
        const href = schedule.spec.type === "Workflow" ? workflowHref(namespace, c.metadata.name) : plural ? experimentRoute(namespace, plural, c.metadata.name) : undefined;
        const state = childState(c, props.active);
        return (
          <li key={c.metadata.uid ?? c.metadata.name} data-testid="schedule-child" data-name={c.metadata.name} data-state={state}>
            {href ? <a href={href}>{c.metadata.name}</a> : c.metadata.name} <span className="muted">{schedule.spec.type}</span> · <span className="badge">{state}</span>
            {c.metadata.creationTimestamp && <span className="muted"> · created {c.metadata.creationTimestamp}</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function SchedulesPage() {
  const namespace = useListNamespace();
  const list = useKubeList<Schedule>(chaosCollectionPath("schedules", namespace));
  const discovery = useKubeGet<{ resources?: DiscoveredResource[] }>(group);
  const now = new Date(useNow(1000));
  const schedules = [...list.items].sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name.localeCompare(b.metadata.name));
  return (
    <main>
      <h1>Schedules</h1>
      <ListScope page="schedules" namespace={namespace} label="Schedules of a namespace" />
      {list.error && <KubeErrorNote error={list.error} context={list.retrying ? "retrying" : undefined} />}
      {!list.synced && !list.error && <p role="status">Loading schedules…</p>}
      {list.synced && schedules.length === 0 && <p>No Schedule {namespace ? `in namespace ${namespace}` : "in any namespace"}.</p>}
      {schedules.map((schedule) => {
        const s = summarizeSchedule(schedule, now, 3);
        const id = `schedule-${s.namespace}-${s.name}`;
        return (
          <section key={schedule.metadata.uid ?? id} className="schedule" aria-labelledby={id} data-testid="schedule-row" data-name={s.name} data-namespace={s.namespace}>
            <h2 id={id}>
              {s.namespace}/{s.name} {s.paused && <span className="badge badge-paused">Paused</span>}
            </h2>
            {s.problem && <p className="note note-error">{s.problem}</p>}
            <dl className="summary">
              <dt>Schedule</dt>
              <dd>
                <code data-testid="schedule-cron">{s.cron}</code> {s.next.ok && s.next.timeZone !== "UTC" && <span className="muted">(its fields read in {s.next.timeZone} time; times below are UTC)</span>}
              </dd>
              <dt>Creates</dt>
              <dd>{s.type}</dd>
              <dt>Last run</dt>
              <dd data-testid="schedule-last-run">{s.lastRun ? <When at={s.lastRun} now={now} /> : "never"}</dd>
              {s.due && (
                <>
                  <dt>Due</dt>
                  <dd data-testid="schedule-due">
                    the run of <When at={s.due} now={now} /> has not started ({s.concurrencyPolicy === "Forbid" ? "Forbid: an earlier run is unfinished, or " : ""}the manager has not reached it yet)
                  </dd>
                </>
              )}
              <dt>Next run</dt>
              <dd data-testid="schedule-next-run">
                {s.paused ? (
                  "none while paused"
                ) : !s.next.ok ? (
                  <span className="note-error">{s.next.error}</span>
                ) : s.next.runs.length === 0 ? (
                  "never (the schedule matches no future time)"
                ) : (
                  <>
                    <When at={s.next.runs[0]!} now={now} />
                    {s.next.runs.length > 1 && <span className="muted"> then {s.next.runs.slice(1).map((r) => r.toISOString().replace(/\.000Z$/, "Z")).join(", ")}</span>}
                  </>
                )}
              </dd>
              <dt>Concurrency</dt>
              <dd>
                {s.concurrencyPolicy}
                {s.concurrencyDefaulted ? " (default)" : ""}
                {s.startingDeadlineSeconds !== undefined ? `, starting deadline ${s.startingDeadlineSeconds}s` : ""}
              </dd>
              <dt>History limit</dt>
              <dd>{s.historyLimit ?? "5 (default)"}</dd>
              <dt>Running</dt>
              <dd>{s.active.length === 0 ? "none" : s.active.join(", ")}</dd>
            </dl>
            <h3>Created objects</h3>
            <ScheduleChildren schedule={schedule} {...(discovery.value ? { discovery: discovery.value } : {})} active={s.active} />
          </section>
        );
      })}
    </main>
  );
}
