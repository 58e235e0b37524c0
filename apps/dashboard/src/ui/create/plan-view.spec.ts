import type { ExperimentPlan } from "@faultline/api";
import { planView } from "./plan-view.js";

const plan: ExperimentPlan = {
  generatedAt: "2026-12-06T21:00:00Z",
  observedGeneration: 1,
  mode: "one",
  candidates: 2,
  picks: 1,
  randomness: "one of these 2 containers, picked at random at injection",
  targets: [
    {
      id: "shop/web-1/nginx",
      pod: "shop/web-1",
      container: "nginx",
      node: "node-a",
      capable: true,
      steps: [{ on: "daemon", rpc: "SetTcs", argv: [["nsenter", "-n", "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "90ms"], ["echo", "it's"]] }],
    },
    { id: "shop/web-2/nginx", pod: "shop/web-2", container: "nginx", node: "", capable: false, reason: "no daemon on node", steps: [{ on: "api", note: "evict the pod", patch: { method: "POST", path: "/api/v1/namespaces/shop/pods/web-2/eviction", body: { kind: "Eviction" } } }, { on: "api", patch: { op: "x" } }] },
  ],
  refusals: ["blast radius: 2 pods exceed maxTargets 1"],
};

describe("planView", () => {
  const view = planView("NetworkChaos shop/delay", plan);

  it("rows of targets with node, container and capability, commands quoted as the CLI quotes them", () => {
    expect(view.targets.map((t) => [t.id, t.container, t.node, t.capable, t.reason ?? ""])).toEqual([
      ["shop/web-1/nginx", "nginx", "node-a", true, ""],
      ["shop/web-2/nginx", "nginx", "(unscheduled)", false, "no daemon on node"],
    ]);
    expect(view.targets[0]!.steps).toEqual([{ title: "daemon SetTcs", commands: ["nsenter -n tc qdisc add dev eth0 root netem delay 90ms", "echo 'it'\\''s'"] }]);
    expect(view.targets[1]!.steps).toEqual([
      { title: "api: evict the pod", commands: [], patch: 'POST /api/v1/namespaces/shop/pods/web-2/eviction\n{"kind":"Eviction"}' },
      { title: "api", commands: [], patch: '{"op":"x"}' },
    ]);
    // the same lines the CLI prints for it
    expect(view.text).toContain('         POST /api/v1/namespaces/shop/pods/web-2/eviction\n         {"kind":"Eviction"}');
  });

  it("headline, counts, refusals and the CLI's own text", () => {
    expect(view.headline).toBe("mode one: one of these 2 containers, picked at random at injection");
    expect(view.counts).toBe("2 candidates, 1 picked at injection");
    expect(view.refusals).toEqual(["blast radius: 2 pods exceed maxTargets 1"]);
    expect(view.text.split("\n").slice(0, 3)).toEqual([
      "NetworkChaos shop/delay: mode one: one of these 2 containers, picked at random at injection",
      "2 candidates, 1 picked at injection",
      "REFUSED: blast radius: 2 pods exceed maxTargets 1",
    ]);
    expect(view.text).toContain("$ nsenter -n tc qdisc add dev eth0 root netem delay 90ms");
  });
});
