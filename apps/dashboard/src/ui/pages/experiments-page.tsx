// Every experiment of every chaos kind (#/experiments), live: cluster-wide when the user may list
// so, else in the namespace the user picks (the refusal named). Filters by namespace, kind and
// state are kept in the URL.
import { useEffect, useState } from "react";
import { KubeErrorNote } from "../components/kube-error-note.js";
import { ConditionsList } from "../components/conditions-list.js";
import { useNow } from "../components/use-now.js";
import { permissionText } from "../kube/kube-error.js";
import { useKubeGet, useKubeLists } from "../kube/use-kube.js";
import type { KubeList, KubeObject } from "../kube/watch-events.js";
import { experimentHref, listHref } from "../routes.js";
import {
  age,
  badgeClass,
  chaosCollectionPath,
  chaosDiscoveryPath,
  chaosKindsOf,
  experimentPhases,
  experimentRow,
  filterRows,
  filtersOf,
  type ApiResourceList,
  type ChaosObject,
  type ExperimentFilters,
} from "./experiments-model.js";

const go = (filters: ExperimentFilters) => {
  window.location.hash = listHref("experiments", { namespace: filters.namespace, kind: filters.kind, state: filters.state });
};

export function ExperimentsPage(props: { query: URLSearchParams }) {
  const filters = filtersOf(props.query);
  const discovery = useKubeGet<ApiResourceList>(chaosDiscoveryPath);
  // suggestions for the Namespace field, when the user may list namespaces (else none: typing still works)
  const namespaces = useKubeGet<KubeList<KubeObject>>("api/v1/namespaces");
  const kinds = discovery.value ? chaosKindsOf(discovery.value) : [];
  // a kind filter naming a served kind: only that kind is listed
  const listed = filters.kind !== undefined && kinds.some((k) => k.kind === filters.kind) ? kinds.filter((k) => k.kind === filters.kind) : kinds;
  const lists = useKubeLists<ChaosObject>(listed.map((k) => chaosCollectionPath(k.plural, filters.namespace)));
  const now = useNow(5000);
  const [namespaceField, setNamespaceField] = useState(filters.namespace ?? "");
  useEffect(() => setNamespaceField(filters.namespace ?? ""), [filters.namespace]);

  const refused = lists.flatMap((l) => (l.error?.forbidden ? [l.error] : []));
  const failed = lists.flatMap((l) => (l.error && !l.error.forbidden ? [l.error] : []));
  const synced = discovery.value !== undefined && lists.length === listed.length && lists.every((l) => l.synced || l.error !== undefined);
  const rows = filterRows(
    listed.flatMap((kind, i) => (lists[i]?.items ?? []).map((o) => experimentRow(kind, o))),
    filters,
  );
  const scope = filters.namespace ? `namespace ${filters.namespace}` : "all namespaces";

  return (
    <main>
      <h1>Experiments</h1>
      <form
        className="filters"
        role="search"
        aria-label="Filter experiments"
        onSubmit={(e) => {
          e.preventDefault();
          go({ ...filters, namespace: namespaceField.trim() || undefined });
        }}
      >
        <label>
          Namespace
          <input type="text" name="namespace" list="namespace-names" autoComplete="off" value={namespaceField} placeholder="all namespaces" onChange={(e) => setNamespaceField(e.target.value)} onBlur={() => namespaceField.trim() !== (filters.namespace ?? "") && go({ ...filters, namespace: namespaceField.trim() || undefined })} />
        </label>
        <datalist id="namespace-names">
          {(namespaces.value?.items ?? []).map((n) => (
            <option key={n.metadata.name} value={n.metadata.name} />
          ))}
        </datalist>
        <label>
          Kind
          <select name="kind" value={filters.kind ?? ""} onChange={(e) => go({ ...filters, kind: e.target.value || undefined })}>
            <option value="">all kinds</option>
            {kinds.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select name="state" value={filters.state ?? ""} onChange={(e) => go({ ...filters, state: e.target.value || undefined })}>
            <option value="">any state</option>
            {experimentPhases.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
        {(filters.namespace || filters.kind || filters.state) && (
          <a href="#/experiments" className="clear">
            Clear filters
          </a>
        )}
      </form>

      {discovery.error && <KubeErrorNote error={discovery.error} context="reading the chaos kinds (discovery of chaos-mesh.org/v1alpha1)" />}
      {refused.length > 0 && refused.length === listed.length && (
        <div className="note note-error" role="alert" data-testid="permission-error">
          {refused.map((e) => (
            <p key={`${e.verb}/${e.resource}`}>{permissionText(e)}.</p>
          ))}
          <p>{filters.namespace ? "Pick another namespace you may list." : "Pick a namespace you may list in the Namespace field."}</p>
        </div>
      )}
      {refused.length > 0 && refused.length < listed.length && (
        <details className="note note-warn" data-testid="permission-error">
          <summary>
            You cannot list {refused.length} of {listed.length} chaos kinds in {scope}: their experiments are not shown.
          </summary>
          {refused.map((e) => (
            <p key={`${e.verb}/${e.resource}`}>{permissionText(e)}.</p>
          ))}
        </details>
      )}
      {failed.length > 0 && <KubeErrorNote error={failed[0]} context={failed[0]!.code === 0 ? "retrying" : undefined} />}

      <p className="muted" role="status" aria-live="polite">
        {!synced ? "Loading…" : `${rows.length} experiment${rows.length === 1 ? "" : "s"} in ${scope}${filters.kind ? `, kind ${filters.kind}` : ""}${filters.state ? `, state ${filters.state}` : ""} (live)`}
      </p>
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Chaos experiments in {scope}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Namespace</th>
                <th scope="col">Kind</th>
                <th scope="col">Phase</th>
                <th scope="col">Injected</th>
                <th scope="col">Conditions</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.namespace}/${r.plural}/${r.name}`} data-testid="experiment-row" data-name={r.name} data-kind={r.kind} data-namespace={r.namespace} data-phase={r.phase}>
                  <td>
                    <a href={experimentHref(r.namespace, r.plural, r.name)}>{r.name}</a>
                  </td>
                  <td>{r.namespace}</td>
                  <td>{r.kind}</td>
                  <td>
                    <span className={badgeClass(r.phase)}>{r.phase}</span>
                    {r.paused && r.phase !== "Paused" ? <span className="muted"> (pause requested)</span> : null}
                  </td>
                  <td>
                    {r.injected}/{r.total}
                  </td>
                  <td>
                    <ConditionsList conditions={r.conditions} />
                  </td>
                  <td>{age(r.createdAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {synced && rows.length === 0 && refused.length < listed.length && (
        <p>
          No experiment{filters.kind || filters.state ? " matches these filters" : ` in ${scope}`}. <a href="#/create">Create one</a>.
        </p>
      )}
    </main>
  );
}
