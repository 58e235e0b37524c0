import { createInMemoryPodSource } from "./in-memory-pod-source.js";
import { names, namespace, node, pod } from "./pod-fixtures.test-support.js";

describe("createInMemoryPodSource", () => {
  const source = createInMemoryPodSource({
    pods: [pod({ namespace: "a", name: "p", labels: { app: "x" } }), pod({ namespace: "b", name: "p" })],
    nodes: [node("n1", { zone: "a" }), node("n2")],
    namespaces: [namespace("a")],
  });

  it("lists pods of one namespace by labels and fields", async () => {
    expect(names(await source.listPods({ namespace: "a" }))).toEqual(["a/p"]);
    expect(names(await source.listPods({ namespace: "a", labelSelector: { matchLabels: { app: "y" } } }))).toEqual([]);
    expect(names(await source.listPods({ namespace: "b", fieldSelector: { "metadata.name": "p" } }))).toEqual(["b/p"]);
  });

  it("gets pods and namespaces, undefined when missing", async () => {
    expect((await source.readPod("b", "p"))?.metadata?.namespace).toBe("b");
    expect(await source.readPod("c", "p")).toBeUndefined();
    expect((await source.getNamespace("a"))?.metadata?.name).toBe("a");
    expect(await source.getNamespace("b")).toBeUndefined();
  });

  it("lists nodes by labels", async () => {
    expect((await source.listNodes({ zone: "a" })).map((n) => n.metadata?.name)).toEqual(["n1"]);
    expect((await source.listNodes({})).map((n) => n.metadata?.name)).toEqual(["n1", "n2"]);
  });
});
