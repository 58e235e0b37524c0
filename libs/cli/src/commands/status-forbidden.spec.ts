import { bufferIo, fakeKube, forbidden, type SentRequest } from "../fake-kube.test-support.js";
import { runStatus } from "./status.js";

const discovery = {
  status: 200,
  body: {
    resources: [
      { name: "podchaos", singularName: "podchaos", kind: "PodChaos", namespaced: true },
      { name: "networkchaos", singularName: "networkchaos", kind: "NetworkChaos", namespaced: true },
      { name: "stresschaos", singularName: "stresschaos", kind: "StressChaos", namespaced: true },
    ],
  },
};
const experiment = (name: string) => ({ metadata: { name, namespace: "shop", uid: `uid-${name}`, creationTimestamp: "2026-12-06T17:58:00Z" }, status: { conditions: [{ type: "Selected", status: "True" }], experiment: { desiredPhase: "Run" } } });

/** An API server where the user may list only the kinds in `allowed`. */
function cluster(allowed: string[]) {
  return (r: SentRequest) => {
    if (r.path === "/apis/chaos-mesh.org/v1alpha1") return discovery;
    const kindList = /^\/apis\/chaos-mesh\.org\/v1alpha1\/namespaces\/shop\/(\w+)$/.exec(r.path);
    if (kindList) return allowed.includes(kindList[1]!) ? { status: 200, body: { items: [experiment(`${kindList[1]}-one`)] } } : forbidden(`${kindList[1]}.chaos-mesh.org`);
    if (r.path === "/api/v1/namespaces/shop/pods" || r.path === "/api/v1/namespaces/shop/events") return { status: 200, body: { items: [] } };
    return undefined;
  };
}
const options = { namespace: "shop", output: "table" as const, watch: false, intervalMs: 1000 };

describe("status with per-kind RBAC", () => {
  it("leaves out a kind the user may not list, with one stderr line naming the permission, and lists the rest (exit 0)", async () => {
    const io = bufferIo();
    expect(await runStatus(fakeKube(cluster(["networkchaos"])), io, options)).toBe(0);
    expect(io.out()).toContain("NetworkChaos   networkchaos-one");
    const lines = io.err().trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^warning: forbidden: your RBAC does not allow: list podchaos\.chaos-mesh\.org in namespace shop \(.*\): PodChaos experiments left out$/),
      expect.stringMatching(/^warning: forbidden: your RBAC does not allow: list stresschaos\.chaos-mesh\.org in namespace shop \(.*\): StressChaos experiments left out$/),
    ]);
  });

  it("fails (exit 1) naming the permission when every kind is refused", async () => {
    await expect(runStatus(fakeKube(cluster([])), bufferIo(), options)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^forbidden: your RBAC does not allow: list networkchaos\.chaos-mesh\.org in namespace shop \(.*\); and the same for every other chaos kind \(3 kinds refused: networkchaos, podchaos, stresschaos\)$/),
    });
  });
});
