import { endLine, eventLine, LineSplitter, maxWatchesPerStream, parseWatches } from "./watch-mux.js";

const body = (watches: unknown) => JSON.stringify({ watches });

describe("parseWatches (the body of POST api/watches)", () => {
  it("takes watches with distinct ids and allowed watch paths (a leading slash dropped)", () => {
    expect(parseWatches(body([
      { id: "a", path: "apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos?watch=1&resourceVersion=5" },
      { id: "b", path: "/api/v1/namespaces/x/events?fieldSelector=involvedObject.name%3Dweb&watch=true" },
    ]))).toEqual({
      ok: true,
      watches: [
        { id: "a", path: "apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos?watch=1&resourceVersion=5" },
        { id: "b", path: "api/v1/namespaces/x/events?fieldSelector=involvedObject.name%3Dweb&watch=true" },
      ],
    });
  });

  it("refuses what api/kube refuses, and anything that is not a watch, naming the field", () => {
    expect(parseWatches(body([{ id: "a", path: "metrics?watch=1" }]))).toMatchObject({ ok: false, code: 404, message: expect.stringMatching(/^watches\[0\]\.path: the dashboard forwards only api\/…/) });
    expect(parseWatches(body([{ id: "a", path: "api/v1/pods?watch=1" }, { id: "b", path: "api/v1/namespaces/x/pods/web/exec?watch=1" }]))).toMatchObject({ ok: false, code: 404, message: expect.stringMatching(/^watches\[1\]\.path: the dashboard does not forward exec/) });
    expect(parseWatches(body([{ id: "a", path: "api/%2e%2e/metrics?watch=1" }]))).toMatchObject({ ok: false, code: 400 });
    expect(parseWatches(body([{ id: "a", path: "api/v1/pods" }]))).toEqual({ ok: false, code: 400, message: "watches[0].path: api/v1/pods is not a watch (add watch=1 to its query)" });
    expect(parseWatches(body([{ id: "a", path: "api/v1/pods?watch=false" }]))).toMatchObject({ ok: false, code: 400 });
    expect(parseWatches(body([{ id: "a", path: "api/v1/pods?watch=1" }, { id: "a", path: "api/v1/nodes?watch=1" }]))).toEqual({ ok: false, code: 400, message: 'watches[1].id: "a" is used twice' });
    expect(parseWatches(body([{ id: "", path: "api/v1/pods?watch=1" }]))).toMatchObject({ ok: false, message: expect.stringMatching(/^watches\[0\]\.id: /) });
    expect(parseWatches(body([{ id: "a" }]))).toMatchObject({ ok: false, message: expect.stringMatching(/^watches\[0\]\.path: /) });
    expect(parseWatches(body([]))).toEqual({ ok: false, code: 400, message: "watches: empty (at least one watch)" });
    expect(parseWatches(body(Array.from({ length: maxWatchesPerStream + 1 }, (_, i) => ({ id: `w${i}`, path: "api/v1/pods?watch=1" }))))).toMatchObject({ ok: false, message: `watches: ${maxWatchesPerStream + 1} watches, at most ${maxWatchesPerStream} on one stream` });
    expect(parseWatches("{}")).toMatchObject({ ok: false, message: expect.stringMatching(/^watches: missing/) });
    expect(parseWatches("null")).toMatchObject({ ok: false, message: expect.stringMatching(/^watches: missing/) });
    expect(parseWatches("not json")).toMatchObject({ ok: false, code: 400, message: expect.stringMatching(/^the body is not JSON/) });
  });
});

describe("the stream's lines", () => {
  it("splits the API server's watch into lines whatever the chunks", () => {
    const lines = new LineSplitter();
    expect(lines.push('{"type":"ADD')).toEqual([]);
    expect(lines.push('ED"}\n\n{"type":')).toEqual(['{"type":"ADDED"}']);
    expect(lines.push('"DELETED"}')).toEqual([]);
    expect(lines.flush()).toEqual(['{"type":"DELETED"}']);
    expect(lines.flush()).toEqual([]);
  });

  it("an event carries its watch's id; a line that is not JSON is dropped", () => {
    expect(eventLine("w1", '{"type":"ADDED","object":{"metadata":{"name":"a"}}}')).toBe('{"id":"w1","event":{"type":"ADDED","object":{"metadata":{"name":"a"}}}}\n');
    expect(eventLine("w1", "<html>")).toBeUndefined();
  });

  it("an end: plain, or with the code and the API server's Status as it is (anything else in a Status of ours)", () => {
    expect(endLine("w1")).toBe('{"id":"w1","end":true}\n');
    const forbidden = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'configmaps is forbidden: User "u" cannot watch resource "configmaps"', reason: "Forbidden", code: 403 };
    expect(JSON.parse(endLine("w2", { code: 403, body: JSON.stringify(forbidden) }))).toEqual({ id: "w2", end: true, code: 403, status: forbidden });
    expect(JSON.parse(endLine("w3", { code: 503, reason: "ServiceUnavailable", body: "cannot reach the API server" }))).toEqual({ id: "w3", end: true, code: 503, status: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "cannot reach the API server", reason: "ServiceUnavailable", code: 503 } });
    expect(JSON.parse(endLine("w4", { code: 502, body: "" })).status.message).toBe("the watch ended with HTTP 502");
  });
});
