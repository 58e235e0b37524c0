import type { ContainerSelector } from "@faultline/api";
import { createInMemoryPodSource } from "./in-memory-pod-source.js";
import { pod, sequence } from "./pod-fixtures.test-support.js";
import type { PodSource } from "./pod-source.js";
import { containerCandidates, podCandidates, selectContainerTargets, selectPodTargets } from "./select-targets.js";

const pods = Array.from({ length: 10 }, (_, i) =>
  pod({ namespace: "busybox", name: `busybox-${i}`, labels: { app: "busybox" }, nodeName: `node-${i % 2}`, containers: ["busybox", "sidecar"] }),
);
const source = createInMemoryPodSource({ pods });
const options = { defaultNamespace: "busybox" };

describe("selectContainerTargets", () => {
  it("selects the seed's targets: every pod's first container", async () => {
    const targets = await selectContainerTargets(source, { selector: { namespaces: ["busybox"] }, mode: "all" }, options);
    expect(targets.map((t) => t.recordId)).toEqual(pods.map((p) => `busybox/${p.metadata?.name}/busybox`));
  });

  it("applies the mode to pods, then expands their containers", async () => {
    const selector: ContainerSelector = { selector: {}, mode: "fixed", value: "3", containerNames: ["busybox", "sidecar"] };
    const targets = await selectContainerTargets(source, selector, options);
    expect(targets).toHaveLength(6);
    expect(new Set(targets.map((t) => t.podName)).size).toBe(3);
  });

  it("fails with NoPodSelected when nothing matches", async () => {
    const selector: ContainerSelector = { selector: { labelSelectors: { app: "nginx" } }, mode: "all" };
    await expect(selectContainerTargets(source, selector, options)).rejects.toMatchObject({
      reason: "NoPodSelected",
      message: "no pod is selected",
    });
  });

  it("says so when a protected namespace is why nothing is selected", async () => {
    const selector: ContainerSelector = { selector: { namespaces: ["busybox"] }, mode: "all" };
    await expect(selectContainerTargets(source, selector, { ...options, protectedNamespaces: ["busybox"] })).rejects.toMatchObject({
      reason: "NoPodSelected",
      message: "no pod is selected: namespace busybox is protected (the manager's --protected-namespaces)",
    });
  });

  it("returns no targets when random-max-percent draws 0%", async () => {
    const selector: ContainerSelector = { selector: {}, mode: "random-max-percent", value: "50" };
    expect(await selectContainerTargets(source, selector, { ...options, random: sequence(0) })).toEqual([]);
  });

  it("fails on a bad mode or value before reading anything", async () => {
    const untouchable: PodSource = {
      listPods: () => Promise.reject(new Error("read")),
      readPod: () => Promise.reject(new Error("read")),
      listNodes: () => Promise.reject(new Error("read")),
      getNamespace: () => Promise.reject(new Error("read")),
    };
    await expect(
      selectContainerTargets(untouchable, { selector: {}, mode: "fixed", value: "0" }, options),
    ).rejects.toMatchObject({ reason: "InvalidValue" });
    await expect(
      selectContainerTargets(untouchable, { selector: {}, mode: "most" as "all" }, options),
    ).rejects.toMatchObject({ reason: "InvalidMode" });
  });

  it("reports a missing container by pod and name", async () => {
    const selector: ContainerSelector = { selector: { pods: { busybox: ["busybox-1"] } }, mode: "all", containerNames: ["nginx"] };
    await expect(selectContainerTargets(source, selector, options)).rejects.toMatchObject({
      reason: "ContainerNotFound",
      message: 'not found: container "nginx" in pod busybox/busybox-1',
    });
  });
});

describe("selectPodTargets", () => {
  it("returns pod records with their nodes", async () => {
    const targets = await selectPodTargets(source, { selector: { nodes: ["node-1"] }, mode: "fixed-percent", value: "40" }, options);
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target.recordId).toBe(`busybox/${target.podName}`);
      expect(target.nodeName).toBe("node-1");
      expect(target.pod.metadata?.name).toBe(target.podName);
      expect(target.podUid).toBe(`uid-busybox-${target.podName}`);
    }
  });

  it("one picks a single pod", async () => {
    expect(await selectPodTargets(source, { selector: {}, mode: "one" }, { ...options, random: () => 0.5 })).toMatchObject([
      { recordId: "busybox/busybox-5" },
    ]);
  });
});

describe("podCandidates / containerCandidates", () => {
  it("answer every matched pod before the mode picks, with its node", async () => {
    const candidates = await podCandidates(source, { selector: { namespaces: ["busybox"] }, mode: "one" }, options);
    expect(candidates.map((t) => t.recordId)).toEqual(pods.map((p) => `busybox/${p.metadata?.name}`));
    expect(candidates.map((t) => t.nodeName)).toEqual(pods.map((_, i) => `node-${i % 2}`));
  });

  it("expand every matched pod's named containers whatever the mode", async () => {
    const selector: ContainerSelector = { selector: {}, mode: "fixed", value: "3", containerNames: ["sidecar"] };
    const candidates = await containerCandidates(source, selector, options);
    expect(candidates.map((t) => t.recordId)).toEqual(pods.map((p) => `busybox/${p.metadata?.name}/sidecar`));
  });

  it("refuse a bad mode value and an empty match as the selection does", async () => {
    await expect(podCandidates(source, { selector: {}, mode: "fixed", value: "0" }, options)).rejects.toMatchObject({ reason: "InvalidValue" });
    await expect(podCandidates(source, { selector: { labelSelectors: { app: "nginx" } }, mode: "all" }, options)).rejects.toMatchObject({
      reason: "NoPodSelected",
    });
  });
});
