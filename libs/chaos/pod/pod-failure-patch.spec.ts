import type { V1Pod } from "@kubernetes/client-node";
import { podFailureApplyPatch, podFailureRecoverPatch, type JsonPatchOperation } from "./pod-failure-patch.js";

/** Applies an RFC 6902 patch the way the API server does, failing on a failed test (pure logic, for these tests). */
function applyJsonPatch(pod: V1Pod, ops: JsonPatchOperation[]): V1Pod {
  const doc = structuredClone(pod) as { [key: string]: unknown };
  const resolve = (path: string) => {
    const parts = path.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let node: any = doc;
    for (const part of parts) node = node[part];
    return { node, last };
  };
  for (const op of ops) {
    const { node, last } = resolve(op.path);
    if (op.op === "test") {
      if (JSON.stringify(node[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
    } else if (op.op === "remove") {
      if (!(last in node)) throw new Error(`nothing to remove at ${op.path}`);
      delete node[last];
    } else node[last] = op.value;
  }
  return doc as V1Pod;
}

const pod = (): V1Pod => ({
  metadata: { namespace: "shop", name: "web-0", uid: "pod-uid-1" },
  spec: {
    initContainers: [{ name: "init", image: "busybox:1.36" }],
    containers: [
      { name: "web", image: "nginx:1.27" },
      { name: "side/car", image: "envoy:1.30" },
    ],
  },
});
const images = (p: V1Pod) => [...(p.spec!.initContainers ?? []), ...p.spec!.containers].map((c) => `${c.name}=${c.image}`);

describe("pod-failure patches", () => {
  it("put every container and init container on the pause image, keeping each original in its mark", () => {
    const failed = applyJsonPatch(pod(), podFailureApplyPatch(pod(), "chaos-a", "pause:3.6"));
    expect(images(failed)).toEqual(["init=pause:3.6", "web=pause:3.6", "side/car=pause:3.6"]);
    expect(failed.metadata!.annotations).toEqual({
      "pod-failure.chaos-mesh.org/web": '{"image":"nginx:1.27","by":["chaos-a"]}',
      "pod-failure.chaos-mesh.org/side/car": '{"image":"envoy:1.30","by":["chaos-a"]}',
      "pod-failure-init.chaos-mesh.org/init": '{"image":"busybox:1.36","by":["chaos-a"]}',
    });
  });

  it("are idempotent: applying twice changes nothing the second time; recovering twice neither", () => {
    const failed = applyJsonPatch(pod(), podFailureApplyPatch(pod(), "chaos-a", "pause:3.6"));
    expect(podFailureApplyPatch(failed, "chaos-a", "pause:3.6")).toEqual([]);
    const recovered = applyJsonPatch(failed, podFailureRecoverPatch(failed, "chaos-a"));
    expect(images(recovered)).toEqual(images(pod()));
    expect(recovered.metadata!.annotations).toEqual({});
    expect(podFailureRecoverPatch(recovered, "chaos-a")).toEqual([]);
  });

  it("compose: the images come back only when the last PodChaos holding them recovers", () => {
    const byA = applyJsonPatch(pod(), podFailureApplyPatch(pod(), "chaos-a", "pause:3.6"));
    const byAB = applyJsonPatch(byA, podFailureApplyPatch(byA, "chaos-b", "pause:3.6"));
    expect(JSON.parse(byAB.metadata!.annotations!["pod-failure.chaos-mesh.org/web"]!)).toEqual({ image: "nginx:1.27", by: ["chaos-a", "chaos-b"] });
    const byB = applyJsonPatch(byAB, podFailureRecoverPatch(byAB, "chaos-a"));
    expect(images(byB)).toEqual(["init=pause:3.6", "web=pause:3.6", "side/car=pause:3.6"]);
    const none = applyJsonPatch(byB, podFailureRecoverPatch(byB, "chaos-b"));
    expect(images(none)).toEqual(images(pod()));
  });

  it("test the pod's uid, so a pod recreated under the same name is never patched by mistake", () => {
    const ops = podFailureApplyPatch(pod(), "chaos-a", "pause:3.6");
    expect(ops[0]).toEqual({ op: "test", path: "/metadata/uid", value: "pod-uid-1" });
    const recreated = { ...pod(), metadata: { ...pod().metadata, uid: "pod-uid-2" } };
    expect(() => applyJsonPatch(recreated, ops)).toThrow("test failed at /metadata/uid");
    // and the new pod carries no mark of the old one's: nothing to recover there
    expect(podFailureRecoverPatch(recreated, "chaos-a")).toEqual([]);
  });

  it("test each image it replaces, so a concurrent image change makes the patch fail whole", () => {
    const ops = podFailureApplyPatch(pod(), "chaos-a", "pause:3.6");
    const changed = pod();
    changed.spec!.containers[0]!.image = "nginx:1.28";
    expect(() => applyJsonPatch(changed, ops)).toThrow("test failed at /spec/containers/0/image");
  });

  it("refuse a mark that is not one, naming the pod and the annotation", () => {
    const marked = pod();
    marked.metadata!.annotations = { "pod-failure.chaos-mesh.org/web": "nginx:1.27" };
    expect(() => podFailureApplyPatch(marked, "chaos-a", "pause:3.6")).toThrow(
      "pod shop/web-0: annotation pod-failure.chaos-mesh.org/web is not a pod-failure mark: nginx:1.27",
    );
  });
});
