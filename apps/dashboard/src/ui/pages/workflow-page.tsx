// One Workflow (#/workflows/<namespace>/<name>): its template tree drawn as a graph (dagre, SVG),
// each box the live state of the WorkflowNode running it (colour and text), its deadline, and the
// chaos object it created; the same as a table for reading. Live: the Workflow and its nodes are watched.
import { useMemo } from "react";
import { ConditionsList } from "../components/conditions-list.js";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { useNow } from "../components/use-now.js";
import { useKubeGet, useKubeList, useKubeObject } from "../kube/use-kube.js";
import type { KubeObject } from "../kube/watch-events.js";
import { chaosResource, collectionPath } from "../kube/kube-paths.js";
import { chaosDiscoveryPath } from "./experiments-model.js";
import { layoutWorkflowGraph, relativeTime, workflowGraph, workflowLabel, workflowPhase, workflowProblem, type GraphLayout, type NodeState, type PlacedNode, type WorkflowView, type WorkflowNodeView } from "../workflow/workflow-graph.js";
import { pluralOf, type DiscoveredResource } from "../create/chaos-kinds.js";
import { experimentRoute } from "../create/manifest.js";
import "../workflow/workflow.css";

type Workflow = KubeObject & WorkflowView;
type WorkflowNode = KubeObject & WorkflowNodeView;

const group = chaosDiscoveryPath;
const states: NodeState[] = ["Pending", "Running", "Injected", "Accomplished", "DeadlineExceeded", "Aborted", "Skipped"];
const nodeWidth = 210;
const nodeHeight = 84;

/** A label value as the Workflow controller writes it: the name itself when it fits (else it is hashed; then every node of the namespace is listed). */
function nodesPath(namespace: string, name: string): string {
  const base = collectionPath(chaosResource("workflownodes"), namespace);
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(name) ? `${base}?labelSelector=${encodeURIComponent(`${workflowLabel}=${name}`)}` : base;
}

type Hrefs = (namespace: string, kind: string, name: string) => string | undefined;

/** Links to what a node created: an experiment's page (its plural from discovery), the Schedules page. */
function hrefsFrom(discovery: { resources?: DiscoveredResource[] } | undefined): Hrefs {
  return (namespace, kind, name) => {
    if (kind === "Schedule") return "#/schedules";
    const plural = discovery && kind.endsWith("Chaos") ? pluralOf(discovery, kind) : undefined;
    return plural ? experimentRoute(namespace, plural, name) : undefined;
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function NodeBox(props: { node: PlacedNode; namespace: string; now: Date; hrefs: Hrefs }) {
  const { node, now } = props;
  const left = node.x - node.width / 2;
  const top = node.y - node.height / 2;
  const deadline = node.deadline ? `deadline ${relativeTime(node.deadline, now)}` : node.templateDeadline ? `deadline ${node.templateDeadline} once started` : "no deadline";
  const title = `${node.template} (${node.type}): ${node.state}; ${node.deadline ? `deadline ${node.deadline}` : deadline}${node.nodeName ? `; node ${node.nodeName}` : ""}${node.resource ? `; ${node.resource.kind} ${node.resource.name}` : ""}`;
  const href = node.resource ? props.hrefs(props.namespace, node.resource.kind, node.resource.name) : undefined;
  const lines = [truncate(node.template, 26), truncate(node.type, 30), node.state, truncate(deadline, 32)];
  const box = (
    <g className={`wf-node-${node.state.toLowerCase()}`} data-testid="workflow-node" data-state={node.state} data-template={node.template} data-type={node.type} {...(node.nodeName ? { "data-node": node.nodeName } : {})}>
      <title>{title}</title>
      <rect x={left} y={top} width={node.width} height={node.height} rx={8} />
      <text x={left + 10} y={top + 19} className="wf-title">
        {lines[0]}
      </text>
      <text x={left + 10} y={top + 37} className="wf-mono">
        {lines[1]}
      </text>
      <text x={left + 10} y={top + 55}>
        {lines[2]}
      </text>
      <text x={left + 10} y={top + 73} className="wf-mono">
        {lines[3]}
      </text>
    </g>
  );
  return href ? (
    // the link is named by the box's own visible words (no aria-label that could differ from them); the title is its tooltip
    <a href={href}>
      {box}
    </a>
  ) : (
    box
  );
}

function GraphSvg(props: { layout: GraphLayout; namespace: string; name: string; now: Date; hrefs: Hrefs }) {
  const { layout } = props;
  const path = (points: { x: number; y: number }[]) => points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
  return (
    <svg
      className="wf-graph"
      data-testid="workflow-graph"
      role="group"
      aria-label={`Graph of workflow ${props.namespace}/${props.name}`}
      width={Math.max(layout.width, 240)}
      height={Math.max(layout.height, 100)}
      viewBox={`0 0 ${Math.max(layout.width, 240)} ${Math.max(layout.height, 100)}`}
    >
      <defs>
        <marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <g key={`${e.from}->${e.to}`} aria-hidden="true">
          <path className="wf-edge" d={path(e.points)} markerEnd="url(#wf-arrow)" />
          {e.label && e.labelX !== undefined && e.labelY !== undefined && (
            <text className="wf-edge-label" x={e.labelX} y={e.labelY + 4} textAnchor="middle">
              {truncate(e.label, 36)}
            </text>
          )}
        </g>
      ))}
      {layout.nodes.map((n) => (
        <NodeBox key={n.id} node={n} namespace={props.namespace} now={props.now} hrefs={props.hrefs} />
      ))}
    </svg>
  );
}

export function WorkflowPage(props: { namespace: string; name: string }) {
  const { namespace, name } = props;
  const workflow = useKubeObject<Workflow>(collectionPath(chaosResource("workflows"), namespace), name);
  const nodes = useKubeList<WorkflowNode>(nodesPath(namespace, name));
  const discovery = useKubeGet<{ resources?: DiscoveredResource[] }>(group);
  const hrefs = useMemo(() => hrefsFrom(discovery.value), [discovery.value]);
  const now = new Date(useNow(1000));
  const graph = useMemo(() => (workflow.object ? workflowGraph(workflow.object, nodes.items) : undefined), [workflow.object, nodes.items]);
  const layout = useMemo(() => (graph ? layoutWorkflowGraph(graph, nodeWidth, nodeHeight) : undefined), [graph]);
  const phase = workflow.object ? workflowPhase(workflow.object) : undefined;

  return (
    <main>
      <p>
        <a href="#/workflows">← Workflows</a>
      </p>
      <h1>
        Workflow {namespace}/{name}
      </h1>
      {workflow.error && <KubeErrorNote error={workflow.error} />}
      {nodes.error && <KubeErrorNote error={nodes.error} context="the workflow's nodes" />}
      {!workflow.synced && !workflow.error && <p role="status">Loading…</p>}
      {workflow.missing && <p className="note">No Workflow {name} in namespace {namespace} (it may have been deleted).</p>}
      {workflow.object && phase && (
        <dl className="summary">
          <dt>Phase</dt>
          <dd>
            <span className={`badge wf-state wf-state-${phase.toLowerCase()}`} data-testid="workflow-phase">
              {phase}
            </span>
          </dd>
          <dt>Conditions</dt>
          <dd>
            <ConditionsList conditions={workflow.object.status?.conditions ?? []} />
          </dd>
          <dt>Entry</dt>
          <dd>
            <code>{workflow.object.spec.entry}</code>
          </dd>
          <dt>Started</dt>
          <dd>{workflow.object.status?.startTime ? <time dateTime={workflow.object.status.startTime}>{workflow.object.status.startTime}</time> : "not yet"}</dd>
          {workflow.object.status?.endTime && (
            <>
              <dt>Ended</dt>
              <dd>
                <time dateTime={workflow.object.status.endTime}>{workflow.object.status.endTime}</time>
              </dd>
            </>
          )}
        </dl>
      )}
      {workflow.object && workflowProblem(workflow.object) && (
        <p className="note note-warn" data-testid="workflow-problem">
          {workflowProblem(workflow.object)}
        </p>
      )}
      {graph && graph.problems.length > 0 && (
        <ul className="note note-warn">
          {graph.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {layout && graph && (
        <figure className="wf-figure">
          <ul className="wf-legend" aria-label="States">
            {states.map((s) => (
              <li key={s}>
                <span className={`badge wf-state wf-state-${s.toLowerCase()}`}>{s}</span>
              </li>
            ))}
          </ul>
          <div className="wf-graph-scroll">
            <GraphSvg layout={layout} namespace={namespace} name={name} now={now} hrefs={hrefs} />
          </div>
          <figcaption className="muted">
            {graph.nodes.length} steps from the entry {workflow.object?.spec.entry}; {graph.nodes.filter((n) => n.state === "Running" || n.state === "Injected").length} running. Deadlines are the nodes' own (absolute) once started, the
            template's (relative) before.
          </figcaption>
        </figure>
      )}
      {graph && (
        <>
          <h2>Steps</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Template</th>
                  <th scope="col">Type</th>
                  <th scope="col">State</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">Node</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {graph.nodes.map((n) => {
                  const href = n.resource ? hrefs(namespace, n.resource.kind, n.resource.name) : undefined;
                  return (
                    <tr key={n.id}>
                      <td>
                        <code>{n.id}</code>
                      </td>
                      <td>{n.type}</td>
                      <td>
                        <span className={`badge wf-state wf-state-${n.state.toLowerCase()}`}>{n.state}</span>
                      </td>
                      <td>{n.deadline ? <time dateTime={n.deadline} title={n.deadline}>{relativeTime(n.deadline, now)}</time> : n.templateDeadline ? `${n.templateDeadline} once started` : "-"}</td>
                      <td>{n.nodeName ? <code>{n.nodeName}</code> : "-"}</td>
                      <td>{n.resource ? href ? <a href={href}>{`${n.resource.kind} ${n.resource.name}`}</a> : `${n.resource.kind} ${n.resource.name}` : "-"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </main>
  );
}
