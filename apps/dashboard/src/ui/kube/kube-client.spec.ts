import { KubeError, kubeRequest, maxStreams, onUnauthorized, releaseStream, sessionKey, takeStream, tokenKey, watchList, type ListWatchEvent } from "./kube-client.js";
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

/** A streaming answer: each chunk enqueued in turn; open until `end` (if given) resolves. */
function stream(chunks: string[], end?: Promise<void>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (end) await end;
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
}

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

describe("watchList", () => {
  const path = "apis/chaos-mesh.org/v1alpha1/namespaces/ns/podchaos";

  it("lists, watches from the list's resourceVersion (events split across chunks), lists again on 410 and watches from the new list", async () => {
    const controller = new AbortController();
    let lists = 0;
    let watches = 0;
    const calls = fakeFetch((call) => {
      if (!call.url.includes("watch=1")) return json(200, ++lists === 1 ? list("5", obj("a", "5")) : list("9", obj("a", "5"), obj("b", "7"), obj("c", "9")));
      if (++watches === 1) {
        const added = JSON.stringify({ type: "ADDED", object: obj("b", "7") });
        const gone = JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } });
        return stream([added.slice(0, 10), `${added.slice(10)}\n${gone.slice(0, 3)}`, `${gone.slice(3)}\n`]);
      }
      // the second watch: stays open until the test aborts
      controller.abort();
      return stream([]);
    });
    const events: ListWatchEvent<KubeObject>[] = [];
    await watchList(path, (e) => events.push(e), controller.signal);
    expect(events).toEqual([
      { type: "SYNCED", items: [obj("a", "5")], resourceVersion: "5" },
      { type: "ADDED", object: obj("b", "7") },
      { type: "SYNCED", items: [obj("a", "5"), obj("b", "7"), obj("c", "9")], resourceVersion: "9" },
    ]);
    const watchUrls = calls.filter((c) => c.url.includes("watch=1")).map((c) => new URL(c.url, "http://x/").searchParams);
    expect(watchUrls.map((q) => q.get("resourceVersion"))).toEqual(["5", "9"]);
    expect(watchUrls[0]!.get("allowWatchBookmarks")).toBe("true");
    expect(calls[0]!.url).toBe(`api/kube/${path}`);
  });

  it("lists again when the stream ends", async () => {
    const controller = new AbortController();
    let lists = 0;
    fakeFetch((call) => {
      if (!call.url.includes("watch=1")) {
        lists++;
        if (lists === 2) controller.abort();
        return json(200, list(String(lists), obj("a", String(lists))));
      }
      return stream([`${JSON.stringify({ type: "MODIFIED", object: obj("a", "1") })}\n`]);
    });
    const events: string[] = [];
    await watchList(path, (e) => events.push(e.type), controller.signal);
    expect(lists).toBe(2);
    expect(events).toEqual(["SYNCED", "MODIFIED"]);
  });

  it("stops at a refusal (403), saying it will not retry", async () => {
    fakeFetch(() => json(403, { kind: "Status", code: 403, reason: "Forbidden", message: `podchaos.chaos-mesh.org is forbidden: User "u" cannot list resource "podchaos" in API group "chaos-mesh.org" at the cluster scope` }));
    const events: ListWatchEvent<KubeObject>[] = [];
    await watchList("apis/chaos-mesh.org/v1alpha1/podchaos", (e) => events.push(e), new AbortController().signal);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "FAILED", retrying: false, error: { code: 403, verb: "list", resource: "podchaos" } });
  });

  it("a watch ERROR other than 410 is a failure that is retried", async () => {
    const controller = new AbortController();
    let lists = 0;
    fakeFetch((call) => {
      if (!call.url.includes("watch=1")) {
        if (++lists === 2) controller.abort();
        return json(200, list("1"));
      }
      return stream([`${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 500, reason: "InternalError", message: "etcd is sad" } })}\n`]);
    });
    const events: ListWatchEvent<KubeObject>[] = [];
    await watchList(path, (e) => events.push(e), controller.signal);
    expect(events.map((e) => e.type)).toEqual(["SYNCED", "FAILED"]);
    expect(events[1]).toMatchObject({ retrying: true, error: { code: 500, message: "etcd is sad" } });
  });

  it("ends when aborted during a watch", async () => {
    const controller = new AbortController();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    fakeFetch((call) => (call.url.includes("watch=1") ? stream([], held) : json(200, list("1"))));
    const done = watchList(path, () => undefined, controller.signal);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    release();
    await expect(done).resolves.toBeUndefined();
  });
});

describe("the watch stream budget", () => {
  it("a list with objects takes any free stream, an empty list only while more than two are free", () => {
    const taken: boolean[] = [];
    expect(takeStream(false)).toBe(true); // 4 free
    expect(takeStream(false)).toBe(true); // 3 free
    expect(takeStream(false)).toBe(false); // 2 free: kept for lists with objects
    taken.push(takeStream(true), takeStream(true), takeStream(true));
    expect(taken).toEqual([true, true, false]);
    for (let i = 0; i < maxStreams; i++) releaseStream();
    expect(takeStream(false)).toBe(true);
    releaseStream();
  });
});
