import { KubeError, kubeRequest, onUnauthorized, sessionKey, tokenKey, WatchMultiplexer, watchList, type ListWatchEvent } from "./kube-client.js";
import type { KubeObject } from "./watch-events.js";

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

/** A fetch answering from `answer`, recording each call. */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>): Call[] {
  const calls: Call[] = [];
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = { url: String(input), method: init?.method ?? "GET", headers: (init?.headers ?? {}) as Record<string, string>, ...(typeof init?.body === "string" ? { body: init.body } : {}) };
    calls.push(call);
    init?.signal?.throwIfAborted();
    return answer(call);
  }) as typeof fetch;
  return calls;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });
const list = (rv: string, ...items: KubeObject[]) => ({ kind: "PodChaosList", metadata: { resourceVersion: rv }, items });

const memoryStorage = () => {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) } as unknown as Storage;
};

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  delete (globalThis as { sessionStorage?: Storage }).sessionStorage;
});

describe("kubeRequest", () => {
  it("sends the session secret and the bearer token from sessionStorage, JSON with its content type, to api/kube/<path>", async () => {
    (globalThis as { sessionStorage?: Storage }).sessionStorage = memoryStorage();
    sessionStorage.setItem(sessionKey, "s3cret");
    sessionStorage.setItem(tokenKey, "tok");
    const calls = fakeFetch(() => json(200, { ok: true }));
    await expect(kubeRequest("PATCH", "/apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos/web", { body: { a: 1 }, contentType: "application/merge-patch+json" })).resolves.toEqual({ ok: true });
    expect(calls).toEqual([
      {
        url: "api/kube/apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos/web",
        method: "PATCH",
        headers: { Accept: "application/json", "X-Faultline-Session": "s3cret", Authorization: "Bearer tok", "Content-Type": "application/merge-patch+json" },
        body: '{"a":1}',
      },
    ]);
  });

  it("sends neither header when nothing is stored", async () => {
    const calls = fakeFetch(() => json(200, {}));
    await kubeRequest("GET", "api/v1/namespaces");
    expect(calls[0]!.headers).toEqual({ Accept: "application/json" });
  });

  it("a 403 Status becomes a KubeError naming what was refused", async () => {
    fakeFetch(() => json(403, { kind: "Status", code: 403, reason: "Forbidden", message: `podchaos.chaos-mesh.org "web" is forbidden: User "u" cannot delete resource "podchaos" in API group "chaos-mesh.org" in the namespace "x"` }));
    const error = await kubeRequest("DELETE", "apis/chaos-mesh.org/v1alpha1/namespaces/x/podchaos/web").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ code: 403, verb: "delete", resource: "podchaos", namespace: "x" });
  });

  it("a 401 tells the listeners (sign in again), until they unsubscribe", async () => {
    fakeFetch(() => json(401, { kind: "Status", code: 401, reason: "Unauthorized", message: "sign in with a bearer token" }));
    const heard: string[] = [];
    const stop = onUnauthorized((e) => heard.push(e.message));
    await expect(kubeRequest("GET", "api/v1/pods")).rejects.toMatchObject({ code: 401 });
    stop();
    await expect(kubeRequest("GET", "api/v1/pods")).rejects.toMatchObject({ code: 401 });
    expect(heard).toEqual(["sign in with a bearer token"]);
  });

  it("a network failure is a KubeError with code 0", async () => {
    globalThis.fetch = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(kubeRequest("GET", "api/v1/pods")).rejects.toMatchObject({ code: 0, reason: "NetworkError" });
  });
});

/** A streaming answer the test writes lines into, until it closes it. */
function liveStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    response: new Response(body, { status: 200, headers: { "Content-Type": "application/x-ndjson" } }),
    push: (...lines: unknown[]) => controller.enqueue(encoder.encode(lines.map((l) => `${JSON.stringify(l)}\n`).join(""))),
    close: () => controller.close(),
  };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, test: () => boolean) => {
  for (let i = 0; i < 200 && !test(); i++) await tick(5);
  if (!test()) throw new Error(`never: ${what}`);
};

/** The fake server: lists answer from `lists`, each POST api/watches gets a live stream (kept in `streams`, with the watches it asked for). */
function fakeServer(lists: (path: string) => unknown) {
  const streams: { watches: { id: string; path: string }[]; headers: Record<string, string>; push: (...lines: unknown[]) => void; close: () => void }[] = [];
  const calls = fakeFetch((call) => {
    if (call.url === "api/watches") {
      const live = liveStream();
      streams.push({ watches: (JSON.parse(call.body!) as { watches: { id: string; path: string }[] }).watches, headers: call.headers, push: live.push, close: live.close });
      return live.response;
    }
    return json(200, lists(call.url.replace(/^api\/kube\//, "")));
  });
  return { calls, streams };
}

const query = (path: string) => new URL(path, "http://x/").searchParams;

describe("watchList on the tab's one watch stream", () => {
  const pods = "apis/chaos-mesh.org/v1alpha1/namespaces/ns/podchaos";
  const nets = "apis/chaos-mesh.org/v1alpha1/namespaces/ns/networkchaos";

  it("lists, then watches from the list's resourceVersion on POST api/watches, with the session header", async () => {
    (globalThis as { sessionStorage?: Storage }).sessionStorage = memoryStorage();
    sessionStorage.setItem(sessionKey, "s3cret");
    const { calls, streams } = fakeServer(() => list("5", obj("a", "5")));
    const controller = new AbortController();
    const events: ListWatchEvent<KubeObject>[] = [];
    const done = watchList(pods, (e) => events.push(e), controller.signal, new WatchMultiplexer(5));
    await until("a stream", () => streams.length === 1);
    expect(calls[0]!.url).toBe(`api/kube/${pods}`);
    expect(calls[1]).toMatchObject({ url: "api/watches", method: "POST" });
    expect(streams[0]!.headers).toMatchObject({ "Content-Type": "application/json", "X-Faultline-Session": "s3cret" });
    const [watch] = streams[0]!.watches;
    expect(watch!.path.startsWith(`${pods}?`)).toBe(true);
    expect([query(watch!.path).get("watch"), query(watch!.path).get("resourceVersion"), query(watch!.path).get("allowWatchBookmarks")]).toEqual(["1", "5", "true"]);
    streams[0]!.push({ id: watch!.id, event: { type: "ADDED", object: obj("b", "7") } });
    await until("the event", () => events.length === 2);
    controller.abort();
    await done;
    expect(events).toEqual([{ type: "SYNCED", items: [obj("a", "5")], resourceVersion: "5" }, { type: "ADDED", object: obj("b", "7") }]);
  });

  it("two lists share ONE stream; each gets its own events; a 403 end stops one list and the other stays live, with no listing again", async () => {
    const { calls, streams } = fakeServer((path) => (path === pods ? list("5") : list("6")));
    const mux = new WatchMultiplexer(20);
    const controller = new AbortController();
    const a: ListWatchEvent<KubeObject>[] = [];
    const b: ListWatchEvent<KubeObject>[] = [];
    const doneA = watchList(pods, (e) => a.push(e), controller.signal, mux);
    const doneB = watchList(nets, (e) => b.push(e), controller.signal, mux);
    await until("a stream with both", () => streams.length === 1 && streams[0]!.watches.length === 2);
    await tick(40);
    expect(streams).toHaveLength(1);
    expect(mux.opened).toBe(1);
    const idOf = (path: string) => streams[0]!.watches.find((w) => w.path.startsWith(`${path}?`))!.id;
    streams[0]!.push(
      { id: idOf(pods), event: { type: "ADDED", object: obj("p", "8") } },
      { id: idOf(nets), event: { type: "ADDED", object: obj("n", "9") } },
      { id: idOf(pods), end: true, code: 403, status: { kind: "Status", code: 403, reason: "Forbidden", message: `podchaos.chaos-mesh.org is forbidden: User "u" cannot watch resource "podchaos" in API group "chaos-mesh.org" in the namespace "ns"` } },
    );
    await doneA;
    expect(a.map((e) => e.type)).toEqual(["SYNCED", "ADDED", "FAILED"]);
    expect(a[2]).toMatchObject({ type: "FAILED", retrying: false, error: { code: 403, verb: "watch", resource: "podchaos" } });
    streams[0]!.push({ id: idOf(nets), event: { type: "MODIFIED", object: obj("n", "10") } });
    await until("b's second event", () => b.length === 3);
    expect(b).toEqual([{ type: "SYNCED", items: [], resourceVersion: "6" }, { type: "ADDED", object: obj("n", "9") }, { type: "MODIFIED", object: obj("n", "10") }]);
    // nothing was listed again, and no stream was opened for the end of a watch
    expect(calls.filter((c) => c.url !== "api/watches")).toHaveLength(2);
    expect(mux.opened).toBe(1);
    controller.abort();
    await doneB;
  });

  it("when a list stops watching, the stream is opened again for the others, each from the last resourceVersion it saw", async () => {
    const { streams } = fakeServer((path) => (path === pods ? list("5") : list("6")));
    const mux = new WatchMultiplexer(5);
    const stopA = new AbortController();
    const stopB = new AbortController();
    const b: string[] = [];
    const doneA = watchList(pods, () => undefined, stopA.signal, mux);
    const doneB = watchList(nets, (e) => b.push(e.type), stopB.signal, mux);
    await until("one stream with both", () => streams.length === 1 && streams[0]!.watches.length === 2);
    const netId = streams[0]!.watches.find((w) => w.path.startsWith(`${nets}?`))!.id;
    streams[0]!.push({ id: netId, event: { type: "ADDED", object: obj("n", "9") } }, { id: netId, event: { type: "BOOKMARK", object: { metadata: { resourceVersion: "12" } } } });
    await until("b's events", () => b.length === 3);
    stopA.abort();
    await doneA;
    await until("a second stream", () => streams.length === 2);
    expect(streams[1]!.watches).toEqual([{ id: netId, path: `${nets}?watch=1&allowWatchBookmarks=true&resourceVersion=12` }]);
    // the old stream is no longer read
    streams[0]!.push({ id: netId, event: { type: "ADDED", object: obj("stale", "13") } });
    streams[1]!.push({ id: netId, event: { type: "DELETED", object: obj("n", "14") } });
    await until("b's DELETED", () => b.includes("DELETED"));
    expect(b).toEqual(["SYNCED", "ADDED", "BOOKMARK", "DELETED"]);
    stopB.abort();
    await doneB;
    await tick(20);
    expect(mux.size).toBe(0);
  });

  it("a 410 (expired) or the end of a watch lists again, and watches from the new list on a reopened stream", async () => {
    let lists = 0;
    const { streams } = fakeServer(() => list(String(++lists * 10)));
    const controller = new AbortController();
    const events: string[] = [];
    const done = watchList(pods, (e) => events.push(e.type), controller.signal, new WatchMultiplexer(5));
    await until("a stream", () => streams.length === 1);
    streams[0]!.push({ id: streams[0]!.watches[0]!.id, event: { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } } });
    await until("a second stream", () => streams.length === 2);
    expect(query(streams[1]!.watches[0]!.path).get("resourceVersion")).toBe("20");
    streams[1]!.push({ id: streams[1]!.watches[0]!.id, end: true });
    await until("a third stream", () => streams.length === 3);
    expect(query(streams[2]!.watches[0]!.path).get("resourceVersion")).toBe("30");
    controller.abort();
    await done;
    expect(events).toEqual(["SYNCED", "SYNCED", "SYNCED"]);
  });

  it("a watch ERROR other than 410 is a failure that is retried", async () => {
    const { streams } = fakeServer(() => list("1"));
    const controller = new AbortController();
    const events: ListWatchEvent<KubeObject>[] = [];
    const done = watchList(pods, (e) => events.push(e), controller.signal, new WatchMultiplexer(5));
    await until("a stream", () => streams.length === 1);
    streams[0]!.push({ id: streams[0]!.watches[0]!.id, event: { type: "ERROR", object: { kind: "Status", code: 500, reason: "InternalError", message: "etcd is sad" } } });
    await until("the failure", () => events.length === 2);
    controller.abort();
    await done;
    expect(events[1]).toMatchObject({ type: "FAILED", retrying: true, error: { code: 500, message: "etcd is sad" } });
  });

  it("the server's 401 for the whole stream tells the listeners and stops every list", async () => {
    fakeFetch((call) => (call.url === "api/watches" ? json(401, { kind: "Status", code: 401, reason: "Unauthorized", message: "no valid session" }) : json(200, list("1"))));
    const heard: string[] = [];
    const stop = onUnauthorized((e) => heard.push(e.message));
    const mux = new WatchMultiplexer(5);
    const events: ListWatchEvent<KubeObject>[][] = [[], []];
    await Promise.all([watchList(pods, (e) => events[0]!.push(e), new AbortController().signal, mux), watchList(nets, (e) => events[1]!.push(e), new AbortController().signal, mux)]);
    stop();
    expect(heard).toEqual(["no valid session"]);
    for (const list of events) expect(list.map((e) => e.type === "FAILED" && [e.error.code, e.retrying])).toEqual([false, [401, false]]);
    expect(mux.opened).toBe(1);
  });

  it("stops at a refusal of the list (403), saying it will not retry", async () => {
    fakeFetch(() => json(403, { kind: "Status", code: 403, reason: "Forbidden", message: `podchaos.chaos-mesh.org is forbidden: User "u" cannot list resource "podchaos" in API group "chaos-mesh.org" at the cluster scope` }));
    const events: ListWatchEvent<KubeObject>[] = [];
    await watchList("apis/chaos-mesh.org/v1alpha1/podchaos", (e) => events.push(e), new AbortController().signal, new WatchMultiplexer(5));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "FAILED", retrying: false, error: { code: 403, verb: "list", resource: "podchaos" } });
  });
});
