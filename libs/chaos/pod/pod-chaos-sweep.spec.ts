import type { SweepContext } from "@faultline/impl-registry";
import type { DaemonClientPool, RecordDecoder } from "@faultline/daemon-client";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { podChaosManager } from "./pod-chaos-manager.js";
import { podFailureApplyPatch, type JsonPatchOperation } from "./pod-failure-patch.js";

/** Applies replace/remove ops of an RFC 6902 patch, checking its tests (enough for these patches). */
function applyJsonPatch(pod: V1Pod, ops: JsonPatchOperation[]): V1Pod {
  const doc = structuredClone(pod) as any;
  for (const op of ops) {
    const parts = op.path.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let node = doc;
    for (const part of parts) node = node[part];
    if (op.op === "test") {
      if (JSON.stringify(node[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
    } else if (op.op === "remove") delete node[last];
    else node[last] = op.value;
  }
  return doc;
}

const basePod = (name: string): V1Pod => ({
  metadata: { namespace: "shop", name, uid: `uid-${name}` },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
});

/** A cluster of pods in memory, failed by the PodChaos uids given, and the manager on it. */
function cluster(failures: { [pod: string]: string[] }) {
  const pods = new Map<string, V1Pod>();
  for (const [name, uids] of Object.entries(failures)) {
    let pod = basePod(name);
    for (const uid of uids) pod = applyJsonPatch(pod, podFailureApplyPatch(pod, uid, "pause:3.6"));
    pods.set(name, pod);
  }
  const core = {
    patchNamespacedPod: async ({ name, body }: { name: string; body: JsonPatchOperation[] }) => pods.set(name, applyJsonPatch(pods.get(name)!, body)),
  } as unknown as CoreV1Api;
  const impl = podChaosManager({ decoder: {} as RecordDecoder, pods: { readPod: async (_ns, name) => pods.get(name) }, core, log: () => undefined });
  return { pods, impl };
}

const ctxWith = (pods: Map<string, V1Pod>, held: { [uid: string]: string[] }): SweepContext & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    signal: new AbortController().signal,
    dryRun: false,
    holds: async ({ uid }, recordId) => (asked.push(`${uid} ${recordId}`), (held[uid] ?? []).includes(recordId)),
    listPods: async () => [...pods.values()],
    daemons: {} as DaemonClientPool,
    log: () => undefined,
  };
};
const image = (pod: V1Pod | undefined) => pod!.spec!.containers[0]!.image;

describe("PodChaos sweep", () => {
  it("restores the pods of a PodChaos that is gone, and leaves those a live one holds", async () => {
    const { pods, impl } = cluster({ "web-0": ["gone"], "web-1": ["live"] });
    const ctx = ctxWith(pods, { live: ["shop/web-1"] });
    const swept = await impl.sweep!(ctx);
    expect(swept).toEqual([{ pod: { namespace: "shop", name: "web-0", uid: "uid-web-0" }, owner: { uid: "gone" }, what: "pod-failure of container(s) web" }]);
    expect(image(pods.get("web-0"))).toBe("nginx:1.27");
    expect(pods.get("web-0")!.metadata!.annotations?.["pod-failure.chaos-mesh.org/web"]).toBeUndefined();
    expect(image(pods.get("web-1"))).toBe("pause:3.6");
    expect(ctx.asked).toEqual(["gone shop/web-0", "live shop/web-1"]);
  });

  it("releases only the gone PodChaos on a pod two of them fail: the image stays paused for the live one", async () => {
    const { pods, impl } = cluster({ "web-0": ["gone", "live"] });
    const swept = await impl.sweep!(ctxWith(pods, { live: ["shop/web-0"] }));
    expect(swept.map((s) => s.owner.uid)).toEqual(["gone"]);
    expect(image(pods.get("web-0"))).toBe("pause:3.6");
    expect(JSON.parse(pods.get("web-0")!.metadata!.annotations!["pod-failure.chaos-mesh.org/web"]!)).toEqual({ image: "nginx:1.27", by: ["live"] });
  });

  it("sweeps a pod whose PodChaos still exists but no longer holds its record", async () => {
    const { pods, impl } = cluster({ "web-0": ["live"] });
    const swept = await impl.sweep!(ctxWith(pods, { live: ["shop/web-9"] }));
    expect(swept).toHaveLength(1);
    expect(image(pods.get("web-0"))).toBe("nginx:1.27");
  });

  it("a dry run reports the same pods and patches none", async () => {
    const { pods, impl } = cluster({ "web-0": ["gone"], "web-1": ["live"] });
    const before = structuredClone(pods.get("web-0"));
    const found = await impl.sweep!({ ...ctxWith(pods, { live: ["shop/web-1"] }), dryRun: true });
    expect(found).toEqual([{ pod: { namespace: "shop", name: "web-0", uid: "uid-web-0" }, owner: { uid: "gone" }, what: "pod-failure of container(s) web" }]);
    expect(pods.get("web-0")).toEqual(before);
    expect(image(pods.get("web-0"))).toBe("pause:3.6");
  });

  it("asks nothing and changes nothing on pods without marks", async () => {
    const { pods, impl } = cluster({ "web-0": [] });
    const ctx = ctxWith(pods, {});
    expect(await impl.sweep!(ctx)).toEqual([]);
    expect(ctx.asked).toEqual([]);
  });

  it("sweeps nothing when the question fails", async () => {
    const { pods, impl } = cluster({ "web-0": ["gone"] });
    await expect(impl.sweep!({ ...ctxWith(pods, {}), holds: async () => Promise.reject(new Error("API down")) })).rejects.toThrow("API down");
    expect(image(pods.get("web-0"))).toBe("pause:3.6");
  });
});
