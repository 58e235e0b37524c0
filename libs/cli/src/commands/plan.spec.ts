import type { ExperimentPlan } from "@faultline/api";
import { readChaosManifest } from "./plan.js";
import { renderArgv, renderPlan } from "./plan-render.js";

describe("plan manifest", () => {
  it("reads one chaos object and its name", () => {
    const m = readChaosManifest("m.yaml", "apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata:\n  name: kill\n  namespace: shop\nspec:\n  action: pod-kill\n");
    expect(m.kind).toBe("PodChaos");
    expect(m.metadata.name).toBe("kill");
    expect(m["spec"]).toEqual({ action: "pod-kill" });
  });

  it("refuses what is not one chaos object, naming the file and the field", () => {
    expect(() => readChaosManifest("m.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")).toThrow('m.yaml: apiVersion must be chaos-mesh.org/v1alpha1, not "v1"');
    expect(() => readChaosManifest("m.yaml", "apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {}\n")).toThrow("m.yaml: metadata.name is missing");
    expect(() => readChaosManifest("m.yaml", "a: 1\n---\nb: 2\n")).toThrow("m.yaml: one chaos object expected, the text holds 2 documents");
    expect(() => readChaosManifest("m.yaml", "a: [1\n")).toThrow(/m\.yaml: not valid YAML/);
  });
});

describe("plan rendering", () => {
  it("quotes argv words that need it", () => {
    expect(renderArgv(["nsenter", "-t", "42", "-n", "--", "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "10ms"])).toBe("nsenter -t 42 -n -- tc qdisc add dev eth0 root netem delay 10ms");
    expect(renderArgv(["sh", "-c", "echo it's"])).toBe("sh -c 'echo it'\\''s'");
  });

  it("prints the randomness, the targets with node and capability, then each target's steps", () => {
    const plan: ExperimentPlan = {
      generatedAt: "2026-12-06T18:00:00Z",
      observedGeneration: 1,
      mode: "one",
      candidates: 2,
      picks: 1,
      randomness: "one of these 2 pods, picked at random at injection",
      targets: [
        { id: "shop/a", pod: "shop/a", node: "node-1", capable: true, steps: [{ on: "api", note: "pod-failure", patch: { spec: { containers: [{ name: "app", image: "pause" }] } } }] },
        { id: "shop/b", pod: "shop/b", node: "node-2", capable: false, reason: "node node-2: no stress-ng", steps: [{ on: "daemon", rpc: "ExecStressors", argv: [["stress-ng", "--cpu", "1"]] }] },
      ],
      truncatedTargets: 3,
      refusals: ["blast radius: 5 records > 1"],
    };
    const text = renderPlan("PodChaos shop/kill", plan);
    expect(text).toContain("PodChaos shop/kill: mode one: one of these 2 pods, picked at random at injection\n2 candidates, 1 picked at injection\nREFUSED: blast radius: 5 records > 1\n");
    expect(text).toContain("TARGET   NODE     CAPABLE\nshop/a   node-1   yes\nshop/b   node-2   no: node node-2: no stress-ng\n… and 3 more targets");
    expect(text).toContain('shop/a on node-1:\n    1. api: pod-failure\n         {"spec":{"containers":[{"name":"app","image":"pause"}]}}\n');
    expect(text).toContain("shop/b on node-2:\n    not capable: node node-2: no stress-ng\n    1. daemon ExecStressors\n         $ stress-ng --cpu 1\n");
  });
});

describe("plan rendering of API writes", () => {
  it("prints a patch that names its method and path as the request line and its body", () => {
    const plan: ExperimentPlan = {
      generatedAt: "2026-12-06T18:00:00Z",
      observedGeneration: 1,
      mode: "all",
      candidates: 1,
      picks: 1,
      randomness: "all 1",
      targets: [{ id: "a/p", pod: "a/p", node: "n", capable: true, steps: [{ on: "api", patch: { method: "PATCH", path: "/api/v1/namespaces/a/pods/p", contentType: "application/json-patch+json", body: [{ op: "replace", path: "/spec/containers/0/image", value: "pause" }] } }] }],
    };
    expect(renderPlan("PodChaos a/x", plan)).toContain('    1. api\n         PATCH /api/v1/namespaces/a/pods/p (application/json-patch+json)\n         [{"op":"replace","path":"/spec/containers/0/image","value":"pause"}]\n');
  });
});
