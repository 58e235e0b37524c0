// The Workflows list (#/workflows): every Workflow the user may list, live, with its phase (as
// text and colour), entry, running nodes and start. A refusal is named (permission-error).
import { KubeErrorNote } from "../components/kube-error-note.js";
import { useNow } from "../components/use-now.js";
import { useKubeList } from "../kube/use-kube.js";
import type { KubeObject } from "../kube/watch-events.js";
import { relativeTime, workflowPhase, type WorkflowView } from "../workflow/workflow-graph.js";
import { chaosCollectionPath } from "./experiments-model.js";
import { ListScope, useListNamespace } from "./list-scope.js";

type Workflow = KubeObject & WorkflowView & { status?: WorkflowView["status"] & { activeNodes?: string[] } };

export function workflowHref(namespace: string, name: string): string {
  return `#/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

export function WorkflowsPage() {
  const namespace = useListNamespace();
  const list = useKubeList<Workflow>(chaosCollectionPath("workflows", namespace));
  const now = new Date(useNow(5000));
  const rows = [...list.items].sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name.localeCompare(b.metadata.name));
  return (
    <main>
      <h1>Workflows</h1>
      <ListScope page="workflows" namespace={namespace} label="Workflows of a namespace" />
      {list.error && <KubeErrorNote error={list.error} context={list.retrying ? "retrying" : undefined} />}
      {!list.synced && !list.error && <p role="status">Loading workflows…</p>}
      {list.synced && rows.length === 0 && <p>No Workflow {namespace ? `in namespace ${namespace}` : "in any namespace"}.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Workflows, live</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Namespace</th>
                <th scope="col">Phase</th>
                <th scope="col">Entry</th>
                <th scope="col">Running nodes</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => {
                const phase = workflowPhase(w);
                return (
                  <tr key={w.metadata.uid ?? `${w.metadata.namespace}/${w.metadata.name}`} data-testid="workflow-row" data-name={w.metadata.name} data-namespace={w.metadata.namespace} data-phase={phase}>
                    <td>
                      <a href={workflowHref(w.metadata.namespace ?? "", w.metadata.name)}>{w.metadata.name}</a>
                    </td>
                    <td>{w.metadata.namespace}</td>
                    <td>
                      <span className={`badge wf-state wf-state-${phase.toLowerCase()}`}>{phase}</span>
                    </td>
                    <td>
                      <code>{w.spec.entry}</code>
                    </td>
                    <td>{(w.status?.activeNodes ?? []).length}</td>
                    <td>{w.status?.startTime ? <time dateTime={w.status.startTime} title={w.status.startTime}>{relativeTime(w.status.startTime, now)}</time> : "-"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
