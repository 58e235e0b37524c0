import { NdjsonSplitter, applyWatchEvent, isExpired, type KubeObject, type WatchEvent } from "./watch-events.js";

const obj = (name: string, rv: string, namespace = "ns", extra: object = {}): KubeObject & { extra?: object } => ({ metadata: { name, namespace, resourceVersion: rv, uid: `uid-${name}` }, ...extra });

describe("NdjsonSplitter", () => {
  const events = [
    { type: "ADDED", object: { metadata: { name: "a", resourceVersion: "1" }, note: "ünïcødé ✓" } },
    { type: "MODIFIED", object: { metadata: { name: "a", resourceVersion: "2" } } },
    { type: "DELETED", object: { metadata: { name: "a", resourceVersion: "3" } } },
  ];
  const text = events.map((e) => JSON.stringify(e)).join("\n") + "\n";

  it("gives the same events whatever the chunk boundaries (every split point, two and three pieces)", () => {
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 1), Math.min(text.length, i + 17)]) {
        const s = new NdjsonSplitter();
        const out = [...s.push(text.slice(0, i)), ...s.push(text.slice(i, j)), ...s.push(text.slice(j)), ...s.flush()];
        expect(out).toEqual(events);
      }
    }
  });

  it("one character at a time", () => {
    const s = new NdjsonSplitter();
    const out: unknown[] = [];
    for (const ch of text) out.push(...s.push(ch));
    expect(out).toEqual(events);
    expect(s.flush()).toEqual([]);
  });

  it("a last line without its newline comes out at flush; blank lines are skipped", () => {
    const s = new NdjsonSplitter();
    expect(s.push('\n{"a":1}\r\n\n{"b"')).toEqual([{ a: 1 }]);
    expect(s.push(":2}")).toEqual([]);
    expect(s.flush()).toEqual([{ b: 2 }]);
  });

  it("a line that is not JSON is an error quoting it", () => {
    expect(() => new NdjsonSplitter().push("<html>oops</html>\n")).toThrow(/not JSON.*<html>oops/);
  });
});

describe("applyWatchEvent", () => {
  const list = [obj("a", "10"), obj("c", "11")];

  it("ADDED inserts in namespace/name order", () => {
    const next = applyWatchEvent(list, { type: "ADDED", object: obj("b", "12") });
    expect(next.map((o) => o.metadata.name)).toEqual(["a", "b", "c"]);
    expect(list.map((o) => o.metadata.name)).toEqual(["a", "c"]); // not mutated
    expect(applyWatchEvent(list, { type: "ADDED", object: obj("z", "12", "aa") }).map((o) => o.metadata.name)).toEqual(["z", "a", "c"]);
  });

  it("MODIFIED replaces the object of the same namespace/name", () => {
    const next = applyWatchEvent(list, { type: "MODIFIED", object: obj("c", "13", "ns", { extra: { v: 2 } }) });
    expect(next[1]).toEqual(obj("c", "13", "ns", { extra: { v: 2 } }));
    expect(next).toHaveLength(2);
  });

  it("an event older than the object held is ignored", () => {
    const next = applyWatchEvent(list, { type: "MODIFIED", object: obj("c", "9") });
    expect(next[1]!.metadata.resourceVersion).toBe("11");
  });

  it("ADDED of an object already there (after a re-list) replaces it", () => {
    expect(applyWatchEvent(list, { type: "ADDED", object: obj("a", "20") })).toEqual([obj("a", "20"), obj("c", "11")]);
  });

  it("DELETED removes it; of an unknown object changes nothing", () => {
    expect(applyWatchEvent(list, { type: "DELETED", object: obj("a", "14") }).map((o) => o.metadata.name)).toEqual(["c"]);
    expect(applyWatchEvent(list, { type: "DELETED", object: obj("q", "14") })).toEqual(list);
  });

  it("the same name in another namespace is another object", () => {
    expect(applyWatchEvent(list, { type: "ADDED", object: obj("a", "15", "other") })).toHaveLength(3);
  });

  it("BOOKMARK and ERROR leave the list", () => {
    expect(applyWatchEvent(list, { type: "BOOKMARK", object: { metadata: { resourceVersion: "99" } } } as WatchEvent<KubeObject>)).toBe(list);
  });

  it("isExpired: 410 Gone / reason Expired", () => {
    expect(isExpired({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 1 (5)" } })).toBe(true);
    expect(isExpired({ type: "ERROR", object: { kind: "Status", code: 500, reason: "InternalError" } })).toBe(false);
    expect(isExpired({ type: "ADDED", object: obj("a", "1") })).toBe(false);
  });
});
