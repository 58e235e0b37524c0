import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { builtInChaosKinds } from "@faultline/chaos";
import { kindOf, type ChaosKind } from "@faultline/impl-registry";
import type { V1Pod } from "@kubernetes/client-node";
import { daemonEntry, daemonPodsOf, daemonVersionOf, describeNeed, lastSweepOf, managerNeeds, managerVersion, maxListedInjections, orphansOf, updatedAtFor } from "./manager-status.js";

const kinds = builtInChaosKinds.map((d) => kindOf(d, { decoder: {} as never, pods: {} as never, core: {} as never, log: () => undefined, settings: {} })) as ChaosKind[];
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

  it("a reachable daemon: capabilities per served kind from the kinds' own checks (a kind without one: capable)", () => {
    const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["netem", "tbf", "htb", "prio", "sfq"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "CLASSIFY", "REDIRECT", "owner"], stressNg: false });
    const entry = daemonEntry("chaos-mesh/daemon-x", "0.1.0", kinds, { caps });
    expect(entry).toMatchObject({ pod: "chaos-mesh/daemon-x", version: "0.1.0", reachable: true });
    expect(Object.keys(entry.capabilities!).sort()).toEqual(kinds.map((k) => k.kind).sort());
    expect(entry.capabilities!["StressChaos"]).toEqual({ capable: false, reason: "lacks stress-ng (the daemon cannot run it)" });
    expect(entry.capabilities!["NetworkChaos"]).toEqual({ capable: true });
    expect(entry.capabilities!["PodChaos"]).toEqual({ capable: true });
    expect(entry.capabilities!["TimeChaos"]?.capable).toBe(false);
  });

  it("an unreachable daemon: the error, no capabilities", () => {
    expect(daemonEntry("", undefined, kinds, { error: "connect ECONNREFUSED" })).toEqual({ pod: "", reachable: false, error: "connect ECONNREFUSED" });
  });

  it("the daemon's version: its image tag, else its version label", () => {
    const pod = (image: string, labels?: { [k: string]: string }): V1Pod => ({ metadata: { ...(labels && { labels }) }, spec: { containers: [{ name: "daemon", image }] } });
    expect(daemonVersionOf(pod("docker.io/faultline/daemon:0.1.0"))).toBe("0.1.0");
    expect(daemonVersionOf(pod("registry:5000/faultline/daemon:0.2.0@sha256:abc"))).toBe("0.2.0");
    expect(daemonVersionOf(pod("registry:5000/faultline/daemon", { "app.kubernetes.io/version": "0.1.0" }))).toBe("0.1.0");
    expect(daemonVersionOf(pod("faultline/daemon"))).toBeUndefined();
  });

  it("what the manager needs, worded as a gap: every kind's list/watch/update and status, the kill switch, pods, events, nodes; in its namespace the slices, the Lease, this ConfigMap", () => {
    const needs = managerNeeds({ kinds, namespace: "chaos-mesh", leaderElect: true, staticDaemonAddress: false }).map(describeNeed);
    expect(needs).toEqual(expect.arrayContaining([
      "list podchaos (chaos-mesh.org) cluster-wide",
      "update stresschaos/status (chaos-mesh.org) cluster-wide",
      "watch recordshards (chaos-mesh.org) cluster-wide",
      "list killswitches (faultline.chaos-mesh.org) cluster-wide",
      "watch killswitches (faultline.chaos-mesh.org) cluster-wide",
      "patch killswitches/status (faultline.chaos-mesh.org) cluster-wide",
      "list pods (core) cluster-wide",
      "create events (core) cluster-wide",
      "list nodes (core) cluster-wide",
      "create pods/eviction (core) cluster-wide",
      "list poddisruptionbudgets (policy) cluster-wide",
      "list endpointslices (discovery.k8s.io) in chaos-mesh",
      "update leases (coordination.k8s.io) in chaos-mesh",
      "create configmaps (core) in chaos-mesh",
      "watch configmaps faultline-status (core) in chaos-mesh",
      "patch configmaps faultline-status (core) in chaos-mesh",
    ]));
    const local = managerNeeds({ kinds, namespace: "t", leaderElect: false, staticDaemonAddress: true }).map(describeNeed);
    expect(local.some((n) => n.includes("endpointslices") || n.includes("leases"))).toBe(false);
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

  it("the manager's version is its package.json's", () => {
    expect(managerVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
