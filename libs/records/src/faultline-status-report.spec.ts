import type { V1Pod } from "@kubernetes/client-node";
import { daemonEntry, daemonPodsOf, daemonVersionOf, lastSweepOf, maxListedInjections, orphansOf, updatedAtFor } from "./faultline-status-report.js";

const pass = (n: number) => ({
  dryRun: true,
  startedAt: new Date("2026-12-06T18:00:00Z"),
  finishedAt: new Date("2026-12-06T18:00:01Z"),
  kinds: ["StressChaos"],
  found: Array.from({ length: n }, (_, i) => ({ kind: "StressChaos", injection: { pod: { namespace: "app", name: `web-${i}` }, owner: { uid: "u1" }, what: "cpu stressor(s) in container web" } })),
  errors: [] as string[],
});

describe("the manager's status document", () => {
  it("orphans: each found injection with its kind, pod (ns/name), owner and what; at most 1,000 listed, the rest counted", () => {
    expect(orphansOf(pass(1))).toEqual({ checkedAt: "2026-12-06T18:00:01.000Z", found: [{ kind: "StressChaos", pod: "app/web-0", owner: { uid: "u1" }, what: "cpu stressor(s) in container web" }] });
    const many = orphansOf({ ...pass(maxListedInjections + 3), errors: ["NetworkChaos: sweep failed (x)"] });
    expect(many.found).toHaveLength(maxListedInjections);
    expect(many.truncated).toBe(3);
    expect(many.errors).toEqual(["NetworkChaos: sweep failed (x)"]);
  });

  it("lastSweep: the annotation's value as requestedAt, what was swept and the errors", () => {
    expect(lastSweepOf("2026-12-06T17:59:59Z", { ...pass(1), dryRun: false })).toEqual({
      requestedAt: "2026-12-06T17:59:59Z",
      finishedAt: "2026-12-06T18:00:01.000Z",
      swept: [{ kind: "StressChaos", pod: "app/web-0", what: "cpu stressor(s) in container web" }],
      errors: [],
    });
  });

  it("updatedAt is now, or the refresh it answers when that reads later (a reader's clock ahead of the manager's)", () => {
    const now = new Date("2026-12-06T18:00:00Z");
    expect(updatedAtFor(now, undefined)).toBe("2026-12-06T18:00:00.000Z");
    expect(updatedAtFor(now, "2026-12-06T17:00:00Z")).toBe("2026-12-06T18:00:00.000Z");
    expect(updatedAtFor(now, "2026-12-06T18:00:02.500Z")).toBe("2026-12-06T18:00:02.500Z");
    expect(updatedAtFor(now, "not a time")).toBe("2026-12-06T18:00:00.000Z");
  });

  it("an unreachable daemon: the error, no capabilities", () => {
    expect(daemonEntry("", undefined, [], { error: "connect ECONNREFUSED" })).toEqual({ pod: "", reachable: false, error: "connect ECONNREFUSED" });
  });

  it("the daemon's version: its image tag, else its version label", () => {
    const pod = (image: string, labels?: { [k: string]: string }): V1Pod => ({ metadata: { ...(labels && { labels }) }, spec: { containers: [{ name: "daemon", image }] } });
    expect(daemonVersionOf(pod("docker.io/faultline/daemon:0.1.0"))).toBe("0.1.0");
    expect(daemonVersionOf(pod("registry:5000/faultline/daemon:0.2.0@sha256:abc"))).toBe("0.2.0");
    expect(daemonVersionOf(pod("registry:5000/faultline/daemon", { "app.kubernetes.io/version": "0.1.0" }))).toBe("0.1.0");
    expect(daemonVersionOf(pod("faultline/daemon"))).toBeUndefined();
  });

  it("each node's daemon pod from the EndpointSlices: the endpoint's targetRef, a ready one before one that is not", () => {
    const endpoint = (node: string, pod: string, ready: boolean) => ({ addresses: ["10.0.0.1"], nodeName: node, conditions: { ready }, targetRef: { kind: "Pod", name: pod, namespace: "chaos-mesh" } });
    const pods = daemonPodsOf(
      [
        { addressType: "IPv4", endpoints: [endpoint("n1", "daemon-old", false), endpoint("n2", "daemon-b", true)] },
        { addressType: "IPv4", endpoints: [endpoint("n1", "daemon-new", true), { addresses: ["10.0.0.9"], nodeName: "n3" }] },
      ],
      "chaos-mesh",
    );
    expect([...pods]).toEqual([
      ["n2", { namespace: "chaos-mesh", name: "daemon-b" }],
      ["n1", { namespace: "chaos-mesh", name: "daemon-new" }],
    ]);
  });

});
