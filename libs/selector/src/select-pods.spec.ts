import type { PodSelectorSpec } from "@faultline/api";
import { createInMemoryPodSource } from "./in-memory-pod-source.js";
import { names, namespace, node, pod } from "./pod-fixtures.test-support.js";
import type { PodQuery, PodSource } from "./pod-source.js";
import { protectedNamespacesAskedFor, selectPods } from "./select-pods.js";
import { SelectorError } from "./selector-error.js";

const pods = [
  pod({ namespace: "shop", name: "web-0", labels: { app: "web", tier: "front" }, nodeName: "node-1", annotations: { team: "a" } }),
  pod({ namespace: "shop", name: "web-1", labels: { app: "web", tier: "front" }, nodeName: "node-2", phase: "Pending" }),
  pod({ namespace: "shop", name: "db-0", labels: { app: "db", tier: "back" }, nodeName: "node-2", annotations: { team: "b" } }),
  pod({ namespace: "shop", name: "job-0", labels: { app: "job" }, nodeName: "node-3", phase: "Succeeded" }),
  pod({ namespace: "shop", name: "bad-0", labels: { app: "job" }, nodeName: "node-3", phase: "Failed" }),
  pod({ namespace: "blog", name: "web-0", labels: { app: "web" }, nodeName: "node-1", annotations: { team: "a" } }),
  pod({ namespace: "blog", name: "db-0", labels: { app: "db" }, nodeName: "node-3" }),
  pod({ namespace: "other", name: "web-0", labels: { app: "web" }, nodeName: "node-1" }),
];
const nodes = [
  node("node-1", { zone: "a", disk: "ssd" }),
  node("node-2", { zone: "a" }),
  node("node-3", { zone: "b", disk: "ssd" }),
];
const namespaces = [
  namespace("shop", { "chaos-mesh.org/inject": "enabled" }),
  namespace("blog"),
  namespace("other", { "chaos-mesh.org/inject": "disabled" }),
];

/** The in-memory source, recording the queries it receives. */
function recordingSource(): PodSource & { queries: PodQuery[]; calls: string[] } {
  const inner = createInMemoryPodSource({ pods, nodes, namespaces });
  const queries: PodQuery[] = [];
  const calls: string[] = [];
  return {
    queries,
    calls,
    listPods: (query) => (queries.push(query), calls.push(`listPods ${query.namespace}`), inner.listPods(query)),
    readPod: (ns, name) => (calls.push(`readPod ${ns}/${name}`), inner.readPod(ns, name)),
    listNodes: (labels) => (calls.push(`listNodes ${JSON.stringify(labels)}`), inner.listNodes(labels)),
    getNamespace: (name) => (calls.push(`getNamespace ${name}`), inner.getNamespace(name)),
  };
}

async function select(selector: PodSelectorSpec, namespaceFilter = false): Promise<string[]> {
  return names(await selectPods(recordingSource(), selector, { defaultNamespace: "shop", namespaceFilter }));
}

describe("selectPods", () => {
  it("looks in the chaos object's namespace when namespaces is empty", async () => {
    expect(await select({})).toEqual(["shop/web-0", "shop/web-1", "shop/db-0", "shop/job-0", "shop/bad-0"]);
    expect(await select({ namespaces: [] })).toEqual(await select({}));
  });

  it("looks in every listed namespace, in order, each once", async () => {
    expect(await select({ namespaces: ["blog", "other", "blog"] })).toEqual(["blog/web-0", "blog/db-0", "other/web-0"]);
  });

  it("matches labelSelectors and expressionSelectors, sending them to the server", async () => {
    const source = recordingSource();
    const selector: PodSelectorSpec = {
      namespaces: ["shop", "blog"],
      labelSelectors: { app: "web" },
      expressionSelectors: [{ key: "tier", operator: "In", values: ["front"] }],
    };
    expect(names(await selectPods(source, selector, { defaultNamespace: "x" }))).toEqual(["shop/web-0", "shop/web-1"]);
    expect(source.queries.map((q) => q.labelSelector)).toEqual([
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] },
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] },
    ]);
  });

  it("matches fieldSelectors, sending them to the server", async () => {
    const source = recordingSource();
    const selected = await selectPods(source, { fieldSelectors: { "metadata.name": "db-0" } }, { defaultNamespace: "shop" });
    expect(names(selected)).toEqual(["shop/db-0"]);
    expect(source.queries[0]?.fieldSelector).toEqual({ "metadata.name": "db-0" });
  });

  it("matches annotationSelectors exactly", async () => {
    expect(await select({ namespaces: ["shop", "blog"], annotationSelectors: { team: "a" } })).toEqual([
      "shop/web-0",
      "blog/web-0",
    ]);
    expect(await select({ annotationSelectors: { team: "" } })).toEqual([]);
  });

  it("includes any listed phase and excludes every !phase", async () => {
    expect(await select({ podPhaseSelectors: ["Pending", "Succeeded"] })).toEqual(["shop/web-1", "shop/job-0"]);
    expect(await select({ podPhaseSelectors: ["!Running", "!Failed"] })).toEqual(["shop/web-1", "shop/job-0"]);
    expect(await select({ podPhaseSelectors: ["Running", "Failed", "!Failed"] })).toEqual(["shop/web-0", "shop/db-0"]);
  });

  it("takes pods on the named nodes", async () => {
    expect(await select({ nodes: ["node-2", "node-3"] })).toEqual(["shop/web-1", "shop/db-0", "shop/job-0", "shop/bad-0"]);
  });

  it("lets the server filter when the nodes come down to one", async () => {
    const source = recordingSource();
    expect(names(await selectPods(source, { nodes: ["node-1"] }, { defaultNamespace: "shop" }))).toEqual(["shop/web-0"]);
    expect(source.queries[0]?.fieldSelector).toEqual({ "spec.nodeName": "node-1" });
  });

  it("takes pods on nodes matching nodeSelectors", async () => {
    expect(await select({ nodeSelectors: { disk: "ssd", zone: "b" } })).toEqual(["shop/job-0", "shop/bad-0"]);
    expect(await select({ nodeSelectors: { zone: "a" } })).toEqual(["shop/web-0", "shop/web-1", "shop/db-0"]);
  });

  it("takes the union of nodes and nodeSelectors", async () => {
    expect(await select({ nodes: ["node-2"], nodeSelectors: { zone: "b" } })).toEqual([
      "shop/web-1",
      "shop/db-0",
      "shop/job-0",
      "shop/bad-0",
    ]);
  });

  it("selects nothing, not everything, when nodeSelectors match no node", async () => {
    const source = recordingSource();
    expect(await selectPods(source, { nodeSelectors: { zone: "mars" } }, { defaultNamespace: "shop" })).toEqual([]);
    expect(source.calls).toEqual(['listNodes {"zone":"mars"}']);
  });

  it("ANDs all filters", async () => {
    expect(
      await select({
        namespaces: ["shop", "blog"],
        labelSelectors: { app: "web" },
        annotationSelectors: { team: "a" },
        podPhaseSelectors: ["Running"],
        nodes: ["node-1", "node-2"],
      }),
    ).toEqual(["shop/web-0", "blog/web-0"]);
    expect(await select({ labelSelectors: { app: "db" }, nodes: ["node-1"] })).toEqual([]);
  });

  it("takes exactly the pods listed in pods, ignoring every other filter", async () => {
    const source = recordingSource();
    const selected = await selectPods(
      source,
      {
        pods: { blog: ["db-0", "missing", "db-0"], other: ["web-0"] },
        namespaces: ["shop"],
        labelSelectors: { app: "web" },
        podPhaseSelectors: ["Pending"],
        nodes: ["node-2"],
      },
      { defaultNamespace: "shop" },
    );
    expect(names(selected)).toEqual(["blog/db-0", "other/web-0"]);
    expect(source.calls).toEqual(["readPod blog/db-0", "readPod blog/missing", "readPod other/web-0"]);
  });

  describe("with the namespace filter", () => {
    it("skips namespaces not annotated chaos-mesh.org/inject=enabled", async () => {
      expect(await select({ namespaces: ["shop", "blog", "other", "missing"] }, true)).toEqual([
        "shop/web-0",
        "shop/web-1",
        "shop/db-0",
        "shop/job-0",
        "shop/bad-0",
      ]);
    });

    it("applies to the default namespace", async () => {
      const source = recordingSource();
      expect(await selectPods(source, {}, { defaultNamespace: "blog", namespaceFilter: true })).toEqual([]);
      expect(source.calls).toEqual(["getNamespace blog"]);
    });

    it("applies to pods", async () => {
      expect(await select({ pods: { shop: ["db-0"], blog: ["db-0"] } }, true)).toEqual(["shop/db-0"]);
    });

    it("reads each namespace once", async () => {
      const source = recordingSource();
      await selectPods(source, { namespaces: ["shop", "shop"] }, { defaultNamespace: "x", namespaceFilter: true });
      expect(source.calls.filter((call) => call.startsWith("getNamespace"))).toEqual(["getNamespace shop"]);
    });
  });

  describe("protectedNamespaces", () => {
    const selectProtected = async (selector: PodSelectorSpec, defaultNamespace = "shop") => {
      const source = recordingSource();
      const selected = names(await selectPods(source, selector, { defaultNamespace, protectedNamespaces: ["blog", "kube-system"] }));
      return { selected, calls: source.calls };
    };

    it("never selects a pod of a protected namespace, listed, named or the default, and never lists it", async () => {
      expect((await selectProtected({ namespaces: ["blog", "shop"] })).selected).toEqual(await select({ namespaces: ["shop"] }));
      const listed = await selectProtected({ namespaces: ["blog", "other"] });
      expect(listed.selected).toEqual(["other/web-0"]);
      expect(listed.calls.some((call) => call.includes("blog"))).toBe(false);
      expect((await selectProtected({ pods: { blog: ["db-0"], shop: ["db-0"] } })).selected).toEqual(["shop/db-0"]);
      expect((await selectProtected({}, "blog")).selected).toEqual([]);
    });

    it("names the protected namespaces a selector asks for", () => {
      const options = { defaultNamespace: "blog", protectedNamespaces: ["blog", "kube-system"] };
      expect(protectedNamespacesAskedFor({}, options)).toEqual(["blog"]);
      expect(protectedNamespacesAskedFor({ namespaces: ["kube-system", "shop", "kube-system"] }, options)).toEqual(["kube-system"]);
      expect(protectedNamespacesAskedFor({ pods: { shop: ["a"] } }, options)).toEqual([]);
      expect(protectedNamespacesAskedFor({ namespaces: ["kube-system"] }, { defaultNamespace: "x" })).toEqual([]);
    });
  });

  it.each<[PodSelectorSpec, RegExp]>([
    [{ labelSelectors: { "a b": "x" } }, /labelSelectors: "a b" is not a valid label key/],
    [{ expressionSelectors: [{ key: "k", operator: "In", values: [] }] }, /operator In needs values/],
    [{ podPhaseSelectors: ["phase=Running"] }, /podPhaseSelectors: "phase=Running"/],
    [{ nodeSelectors: { "bad key": "x" } }, /nodeSelectors: "bad key"/],
    [{ fieldSelectors: { "spec.containers": "x" } }, /cannot be selected by "spec.containers"/],
  ])("rejects %j with an InvalidSelector error", async (selector, message) => {
    const failure = selectPods(recordingSource(), selector, { defaultNamespace: "shop" });
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toMatchObject({ reason: "InvalidSelector" });
    await expect(failure).rejects.toBeInstanceOf(SelectorError);
  });
});
