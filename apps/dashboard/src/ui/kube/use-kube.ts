// React hooks over the kube client: a live list (list + watch, aborted on unmount or when the path
// changes), a live single object, and a one-off GET.
import { useEffect, useState } from "react";
import { KubeError, kubeRequest, watchList } from "./kube-client.js";
import { applyWatchEvent, type KubeObject } from "./watch-events.js";

export interface LiveList<T> {
  items: T[];
  /** The first list has arrived (items are meaningful). */
  synced: boolean;
  /** The last failure; cleared by the next successful list. */
  error?: KubeError;
  /** The failure is being retried (a network error, not a refusal). */
  retrying: boolean;
}

/** The objects of a collection path, kept live; `undefined` path = nothing to list (yet). */
export function useKubeList<T extends KubeObject>(path: string | undefined): LiveList<T> {
  const [state, setState] = useState<LiveList<T>>({ items: [], synced: false, retrying: false });
  useEffect(() => {
    setState({ items: [], synced: false, retrying: false });
    if (path === undefined) return;
    const controller = new AbortController();
    void watchList<T>(
      path,
      (event) => {
        if (event.type === "SYNCED") setState({ items: event.items, synced: true, retrying: false });
        else if (event.type === "FAILED") setState((s) => ({ ...s, error: event.error, retrying: event.retrying }));
        else setState((s) => ({ ...s, items: applyWatchEvent(s.items, event) }));
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [path]);
  return state;
}

export interface LiveObject<T> {
  object?: T;
  synced: boolean;
  error?: KubeError;
  /** Synced and absent (never there, or deleted). */
  missing: boolean;
}

/** One object, kept live: the collection `collectionPath` watched with a field selector on its name. */
export function useKubeObject<T extends KubeObject>(collectionPath: string | undefined, name: string): LiveObject<T> {
  const list = useKubeList<T>(collectionPath === undefined ? undefined : `${collectionPath}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`);
  const object = list.items.find((o) => o.metadata.name === name);
  return { ...(object ? { object } : {}), synced: list.synced, ...(list.error ? { error: list.error } : {}), missing: list.synced && object === undefined };
}

export interface Loaded<T> {
  value?: T;
  error?: KubeError;
  loading: boolean;
}

/** One GET of `path` (again when `path` or `reload` changes). */
export function useKubeGet<T>(path: string | undefined, reload = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: path !== undefined });
  useEffect(() => {
    if (path === undefined) {
      setState({ loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    kubeRequest<T>("GET", path, { signal: controller.signal }).then(
      (value) => !controller.signal.aborted && setState({ value, loading: false }),
      (err: unknown) => !controller.signal.aborted && setState({ error: err instanceof KubeError ? err : new KubeError(0, "Failed", String(err)), loading: false }),
    );
    return () => controller.abort();
  }, [path, reload]);
  return state;
}

/** Several collections kept live at once (one per kind, say), in the order of `paths`. */
export function useKubeLists<T extends KubeObject>(paths: readonly string[]): LiveList<T>[] {
  const key = paths.join("\n");
  const [state, setState] = useState<{ key: string; lists: LiveList<T>[] }>({ key: "", lists: [] });
  useEffect(() => {
    const fresh = () => ({ items: [] as T[], synced: false, retrying: false });
    setState({ key, lists: paths.map(fresh) });
    const controller = new AbortController();
    paths.forEach((path, i) => {
      const update = (change: (list: LiveList<T>) => LiveList<T>) =>
        setState((s) => (s.key !== key ? s : { key, lists: s.lists.map((list, j) => (j === i ? change(list) : list)) }));
      void watchList<T>(
        path,
        (event) => {
          if (event.type === "SYNCED") update(() => ({ items: event.items, synced: true, retrying: false }));
          else if (event.type === "FAILED") update((l) => ({ ...l, error: event.error, retrying: event.retrying }));
          else update((l) => ({ ...l, items: applyWatchEvent(l.items, event) }));
        },
        controller.signal,
      );
    });
    return () => controller.abort();
    // paths is compared by its joined key
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state.lists : paths.map(() => ({ items: [], synced: false, retrying: false }));
}
