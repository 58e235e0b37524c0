// The namespace scope of the Workflows and Schedules lists (`#/workflows?namespace=shop`): every
// namespace when empty; a user who may not list cluster-wide sees that refusal and picks one here.
import { useEffect, useState } from "react";
import { useRoute } from "../App.js";
import { listHref } from "../routes.js";

/** The `namespace` of the current list route, or undefined for every namespace. */
export function useListNamespace(): string | undefined {
  const route = useRoute();
  return ("query" in route ? route.query.get("namespace") : null) || undefined;
}

export function ListScope(props: { page: "workflows" | "schedules"; namespace: string | undefined; label: string }) {
  const [field, setField] = useState(props.namespace ?? "");
  useEffect(() => setField(props.namespace ?? ""), [props.namespace]);
  const go = (value: string) => {
    window.location.hash = listHref(props.page, { namespace: value.trim() || undefined });
  };
  return (
    <form
      className="filters"
      role="search"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        go(field);
      }}
    >
      <label>
        Namespace
        <input type="text" name="namespace" value={field} placeholder="all namespaces" onChange={(e) => setField(e.target.value)} onBlur={() => field.trim() !== (props.namespace ?? "") && go(field)} />
      </label>
      <button type="submit">Show</button>
    </form>
  );
}
