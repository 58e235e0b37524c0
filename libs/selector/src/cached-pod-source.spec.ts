// createCachedPodSource over a store of fixed pods, checked against createInMemoryPodSource (the
// API server's semantics for label and field selectors) on generated pods and queries, and for
// what it hands to the API source instead of answering itself.
import type { LabelSelectorRequirement } from "@faultline/api";
import type { V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { createCachedPodSource, type PodStore } from "./cached-pod-source.js";
import { selectablePodFields } from "./field-selector.js";
import { createInMemoryPodSource } from "./in-memory-pod-source.js";
import type { PodQuery, PodSource } from "./pod-source.js";
import { namespace, node, pod } from "./pod-fixtures.test-support.js";
import { SelectorError } from "./selector-error.js";

/** A store over fixed pods, as a synced watch would hold them. */
function storeOf(pods: readonly V1Pod[], hasSynced = true): PodStore {
  const byKey = new Map(pods.map((p) => [`${p.metadata!.namespace}/${p.metadata!.name}`, p]));
  return { hasSynced, get: ({ namespace, name }) => byKey.get(`${namespace}/${name}`), list: () => [...byKey.values()] };
}

/** An API source that records what it was asked, answering from its own objects. */
function recordingApi(source: PodSource): { api: PodSource; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    api: {
      listPods: (query) => (calls.push(`listPods ${query.namespace}`), source.listPods(query)),
      readPod: (ns, name) => (calls.push(`readPod ${ns}/${name}`), source.readPod(ns, name)),
      listNodes: (labels) => (calls.push("listNodes"), source.listNodes(labels)),
      getNamespace: (name) => (calls.push(`getNamespace ${name}`), source.getNamespace(name)),
    },
  };
}

const names = (objects: readonly { metadata?: { name?: string } }[]) => objects.map((o) => o.metadata!.name!);

const namespaces = ["a", "b", "c"];
const labelKeys = ["app", "tier", "example.com/team"];
const labelValues = ["web", "db", "", "x"];
const nodeNames = ["node-1", "node-2", ""];
const phases = ["Running", "Pending", "Succeeded", "Failed", "Unknown"];

const arbitraryPod = fc
  .record({
    namespace: fc.constantFrom(...namespaces),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
    labels: fc.dictionary(fc.constantFrom(...labelKeys), fc.constantFrom(...labelValues), { maxKeys: 3 }),
    nodeName: fc.constantFrom(...nodeNames),
    phase: fc.constantFrom(...phases),
    hostNetwork: fc.option(fc.boolean(), { nil: undefined }),
    restartPolicy: fc.option(fc.constantFrom("Always", "Never", "OnFailure"), { nil: undefined }),
    serviceAccountName: fc.option(fc.constantFrom("default", "robot"), { nil: undefined }),
    schedulerName: fc.option(fc.constantFrom("default-scheduler", "other"), { nil: undefined }),
    podIP: fc.option(fc.constantFrom("10.0.0.1", "10.0.0.2"), { nil: undefined }),
    nominatedNodeName: fc.option(fc.constantFrom(...nodeNames), { nil: undefined }),
  })
  .map((f): V1Pod => {
    const p = pod({ namespace: f.namespace, name: f.name, labels: f.labels, phase: f.phase, nodeName: f.nodeName || undefined });
    Object.assign(p.spec!, { hostNetwork: f.hostNetwork, restartPolicy: f.restartPolicy, serviceAccountName: f.serviceAccountName, schedulerName: f.schedulerName });
    Object.assign(p.status!, { podIP: f.podIP, nominatedNodeName: f.nominatedNodeName });
    return p;
  });

/** Pods with unique keys (the store holds one per namespace/name). */
const arbitraryPods = fc.uniqueArray(arbitraryPod, { selector: (p) => `${p.metadata!.namespace}/${p.metadata!.name}`, maxLength: 30 });

const fieldValues: Record<string, string[]> = {
  "metadata.name": ["a", "web-1", ""],
  "metadata.namespace": namespaces,
  "spec.nodeName": nodeNames,
  "spec.restartPolicy": ["Always", "Never", ""],
  "spec.schedulerName": ["default-scheduler", "other", ""],
  "spec.serviceAccountName": ["default", "robot", ""],
  "spec.hostNetwork": ["true", "false"],
  "status.phase": phases,
  "status.podIP": ["10.0.0.1", "10.0.0.2", ""],
  "status.nominatedNodeName": nodeNames,
};

const arbitraryRequirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...labelKeys),
    operator: fc.constantFrom("In" as const, "NotIn" as const),
    values: fc.uniqueArray(fc.constantFrom(...labelValues), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ key: fc.constantFrom(...labelKeys), operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const) }),
);

const arbitraryQuery: fc.Arbitrary<PodQuery> = fc.record(
  {
    namespace: fc.constantFrom(...namespaces),
    labelSelector: fc.record(
      {
        matchLabels: fc.dictionary(fc.constantFrom(...labelKeys), fc.constantFrom(...labelValues), { maxKeys: 2 }),
        matchExpressions: fc.array(arbitraryRequirement, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    fieldSelector: fc
      .uniqueArray(fc.constantFrom(...selectablePodFields), { maxLength: 3 })
      .chain((fields) => fc.tuple(...fields.map((field) => fc.constantFrom(...fieldValues[field]!))).map((values) => Object.fromEntries(fields.map((f, i) => [f, values[i]!])))),
  },
  { requiredKeys: ["namespace"] },
);

const noApi: PodSource = {
  listPods: () => Promise.reject(new Error("the API source was asked to list")),
  readPod: () => Promise.reject(new Error("the API source was asked to read")),
  listNodes: () => Promise.reject(new Error("the API source was asked for nodes")),
  getNamespace: () => Promise.reject(new Error("the API source was asked for a namespace")),
};

describe("createCachedPodSource", () => {
  test("lists the same pods as the API server's semantics, sorted by name, for any pods and selectors", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryPods, arbitraryQuery, async (pods, query) => {
        const expected = names(await createInMemoryPodSource({ pods: structuredClone(pods) }).listPods(query)).sort();
        const cached = names(await createCachedPodSource(storeOf(structuredClone(pods)), noApi).listPods(query));
        expect(cached).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  test("reads a pod from the store, and each pod the store lacks through one API read", async () => {
    const inStore = pod({ namespace: "a", name: "web-1" });
    const onlyOnServer = pod({ namespace: "a", name: "web-2" });
    const { api, calls } = recordingApi(createInMemoryPodSource({ pods: [onlyOnServer] }));
    const source = createCachedPodSource(storeOf([inStore]), api);
    expect(await source.readPod("a", "web-1")).toBe(inStore);
    expect(calls).toEqual([]);
    expect(await source.readPod("a", "web-2")).toBe(onlyOnServer);
    expect(await source.readPod("a", "gone")).toBeUndefined();
    expect(calls).toEqual(["readPod a/web-2", "readPod a/gone"]);
  });

  test("asks the API source until the store has synced", async () => {
    const listed = pod({ namespace: "a", name: "web-1" });
    const { api, calls } = recordingApi(createInMemoryPodSource({ pods: [listed] }));
    const source = createCachedPodSource(storeOf([pod({ namespace: "a", name: "stale" })], false), api);
    expect(names(await source.listPods({ namespace: "a" }))).toEqual(["web-1"]);
    expect(await source.readPod("a", "stale")).toBeUndefined();
    expect(calls).toEqual(["listPods a", "readPod a/stale"]);
  });

  test("hands a field the API server may know but the store does not evaluate to the API source", async () => {
    const { api, calls } = recordingApi({
      ...noApi,
      listPods: () => Promise.reject(new SelectorError("InvalidSelector", "the API server rejected the selector")),
    });
    const source = createCachedPodSource(storeOf([pod({ namespace: "a", name: "web-1" })]), api);
    await expect(source.listPods({ namespace: "a", fieldSelector: { "spec.priority": "1" } })).rejects.toThrow(/rejected/);
    expect(await source.listPods({ namespace: "a", fieldSelector: { "status.phase": "Running" } })).toHaveLength(1);
    expect(calls).toEqual(["listPods a"]);
  });

  test("refuses an invalid label selector as the API source does (SelectorError)", async () => {
    const source = createCachedPodSource(storeOf([]), noApi);
    await expect(source.listPods({ namespace: "a", labelSelector: { matchLabels: { "bad key!": "x" } } })).rejects.toBeInstanceOf(SelectorError);
    await expect(
      source.listPods({ namespace: "a", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [] }] } }),
    ).rejects.toThrow(/needs values/);
  });

  test("hands out frozen pods: no caller can change the store", async () => {
    const stored = pod({ namespace: "a", name: "web-1", labels: { app: "web" } });
    const source = createCachedPodSource(storeOf([stored]), noApi);
    const [listed] = await source.listPods({ namespace: "a" });
    expect(() => {
      listed!.metadata!.labels!.app = "db";
    }).toThrow(TypeError);
    const read = await source.readPod("a", "web-1");
    expect(() => read!.spec!.containers.push({ name: "extra" })).toThrow(TypeError);
    expect(stored.metadata!.labels).toEqual({ app: "web" });
    expect(stored.spec!.containers).toHaveLength(1);
  });

  test("nodes and namespaces come from the API source", async () => {
    const { api, calls } = recordingApi(createInMemoryPodSource({ nodes: [node("n1", { zone: "z" })], namespaces: [namespace("a")] }));
    const source = createCachedPodSource(storeOf([]), api);
    expect(names(await source.listNodes({ zone: "z" }))).toEqual(["n1"]);
    expect((await source.getNamespace("a"))?.metadata?.name).toBe("a");
    expect(calls).toEqual(["listNodes", "getNamespace a"]);
  });
});
