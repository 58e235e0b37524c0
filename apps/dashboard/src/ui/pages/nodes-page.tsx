// Each node's daemon (#/nodes): version, reachability and what it can do per kind, from the
// manager's published status (ConfigMap faultline-status in the faultline namespace), read with the
// user's right to get that ConfigMap and read again every 10 seconds (the leader writes it every 30).
import { useEffect, useState } from "react";
import { faultlineStatusConfigMap } from "@faultline/api";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { useNow } from "../components/use-now.js";
import { useKubeGet } from "../kube/use-kube.js";
import { age, badgeClass } from "./experiments-model.js";
import { faultlineStatusPath, nodeRows, parseFaultlineStatus, type ConfigMapObject } from "./nodes-model.js";

const refreshMs = 10_000;

export function NodesPage(props: { faultlineNamespace: string }) {
  const namespace = props.faultlineNamespace;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), refreshMs);
    return () => clearInterval(timer);
  }, []);
  const cm = useKubeGet<ConfigMapObject>(faultlineStatusPath(namespace), tick);
  const now = useNow(5000);
  const parsed = cm.value ? parseFaultlineStatus(cm.value, namespace) : undefined;
  const status = parsed && "status" in parsed ? parsed.status : undefined;
  const notPublished = cm.error?.code === 404;

  return (
    <main>
      <h1>Nodes</h1>
      <p className="muted">
        From the manager's published status: ConfigMap <code>{namespace}/{faultlineStatusConfigMap}</code>, refreshed every {refreshMs / 1000} s.
      </p>
      {notPublished ? (
        <p className="note note-warn" role="status">
          Not published yet: ConfigMap {namespace}/{faultlineStatusConfigMap} does not exist. Is the Faultline manager running in namespace {namespace}, and leading?
        </p>
      ) : cm.error ? (
        <KubeErrorNote error={cm.error} context={`reading ConfigMap ${namespace}/${faultlineStatusConfigMap}`} />
      ) : null}
      {parsed && "problem" in parsed && (
        <p className="note note-warn" role="status">
          Not published yet: {parsed.problem}.
        </p>
      )}
      {!cm.value && !cm.error && <p role="status">Loading…</p>}
      {status && (
        <>
          <dl className="summary">
            <dt>Manager</dt>
            <dd>
              {status.manager.version} (leader {status.manager.identity}, since {status.manager.leaderSince})
            </dd>
            <dt>Published</dt>
            <dd>
              {status.updatedAt} ({age(status.updatedAt, now)} ago)
            </dd>
            <dt>Queue depth</dt>
            <dd>{status.manager.queueDepth}</dd>
            <dt>Orphaned injections</dt>
            <dd>
              {status.orphans.found.length + (status.orphans.truncated ?? 0)} found at {status.orphans.checkedAt}
            </dd>
          </dl>
          {status.manager.rbacGaps.length > 0 && (
            <div className="note note-warn">
              <p>The manager lacks rights it needs:</p>
              <ul>
                {status.manager.rbacGaps.map((gap) => (
                  <li key={gap}>{gap}</li>
                ))}
              </ul>
            </div>
          )}
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Nodes and their daemons</caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Daemon</th>
                  <th scope="col">Version</th>
                  <th scope="col">Reachability</th>
                  <th scope="col">Capabilities per kind</th>
                </tr>
              </thead>
              <tbody>
                {nodeRows(status).map((n) => (
                  <tr key={n.node} data-testid="node-row" data-node={n.node} data-reachability={n.reachability}>
                    <td>{n.node}</td>
                    <td>{n.daemon}</td>
                    <td>{n.version}</td>
                    <td>
                      <span className={badgeClass(n.reachability === "No daemon" ? "idle" : n.reachability)}>{n.reachability}</span>
                      {n.error ? <div className="muted">{n.error}</div> : null}
                    </td>
                    <td>
                      {n.capabilities.length === 0 ? (
                        <span className="muted">-</span>
                      ) : (
                        <ul className="conditions">
                          {n.capabilities.map((c) => (
                            <li key={c.kind}>
                              <span className={badgeClass(c.state === "Capable" ? "capable" : c.state === "Not capable" ? "incapable" : "unknown")}>
                                {c.kind}: {c.state}
                              </span>
                              {c.reason ? <span className="muted"> {c.reason}</span> : null}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </main>
  );
}
