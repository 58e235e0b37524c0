// The pure part of list+watch: newline-delimited JSON split into events whatever the chunks, and a
// watch event applied to the list it watches.

/** The objects the dashboard lists: whatever they hold, they have a name, a uid and a resourceVersion. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    annotations?: { [key: string]: string };
    labels?: { [key: string]: string };
    generation?: number;
    deletionTimestamp?: string;
  };
}

/** A list as the API server answers it. */
export interface KubeList<T> {
  kind?: string;
  apiVersion?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** One event of `?watch=1`. ERROR carries a Status (410 Gone when the resourceVersion is too old). */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: { metadata: { resourceVersion?: string } } }
  | { type: "ERROR"; object: { kind?: string; code?: number; reason?: string; message?: string } };

/**
 * Splits a stream of text into JSON values, one per line, whatever the chunk boundaries
 * (a chunk may end inside a line, or inside a multi-byte character: feed it decoded text).
 */
export class NdjsonSplitter {
  private pending = "";

  /** The complete lines of `chunk` (with what was pending before it), parsed. */
  push(chunk: string): unknown[] {
    this.pending += chunk;
    const out: unknown[] = [];
    let newline = this.pending.indexOf("\n");
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line !== "") out.push(parseLine(line));
      newline = this.pending.indexOf("\n");
    }
    return out;
  }

  /** What is left at the end of the stream (a last line without its newline). */
  flush(): unknown[] {
    const line = this.pending.trim();
    this.pending = "";
    return line === "" ? [] : [parseLine(line)];
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new Error(`the watch stream sent a line that is not JSON (${(err as Error).message}): ${line.slice(0, 200)}`);
  }
}

/** The key of an object in a list: namespace/name (the uid changes when an object is recreated under the same name). */
export const objectKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/**
 * The list after one event: ADDED and MODIFIED replace the object of the same namespace/name (or
 * add it), DELETED removes it; an event older than what the list holds is ignored. The list keeps
 * the API server's order (by namespace, then name).
 */
export function applyWatchEvent<T extends KubeObject>(items: readonly T[], event: WatchEvent<T>): T[] {
  if (event.type === "BOOKMARK" || event.type === "ERROR") return items as T[];
  const key = objectKey(event.object);
  const index = items.findIndex((o) => objectKey(o) === key);
  if (event.type === "DELETED") return index < 0 ? (items as T[]) : [...items.slice(0, index), ...items.slice(index + 1)];
  if (index >= 0) {
    const current = items[index]!;
    if (olderThan(event.object.metadata.resourceVersion, current.metadata.resourceVersion)) return items as T[];
    return [...items.slice(0, index), event.object, ...items.slice(index + 1)];
  }
  return sortByKey([...items, event.object]);
}

/** resourceVersions are opaque, but etcd's are integers: compare them only when both are. */
function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

function sortByKey<T extends KubeObject>(items: T[]): T[] {
  return items.sort((x, y) => (x.metadata.namespace ?? "").localeCompare(y.metadata.namespace ?? "") || x.metadata.name.localeCompare(y.metadata.name));
}

/** The resourceVersion to watch from after an event (bookmarks included); undefined keeps the previous one. */
export function resourceVersionOf(event: WatchEvent<KubeObject>): string | undefined {
  if (event.type === "ERROR") return undefined;
  return event.object.metadata.resourceVersion;
}

/** Whether a watch ERROR event means "list again": 410 Gone / Expired (the resourceVersion is too old). */
export function isExpired(event: WatchEvent<unknown>): boolean {
  return event.type === "ERROR" && (event.object.code === 410 || event.object.reason === "Expired" || event.object.reason === "Gone");
}
