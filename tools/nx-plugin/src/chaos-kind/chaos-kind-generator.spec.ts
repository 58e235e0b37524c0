import { readFileSync } from "node:fs";
import type { Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { chaosKindGenerator, daemonProto, kindsFile } from "./chaos-kind-generator.js";

const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), "utf8");

// The generator on an in-memory tree holding the workspace's kinds.ts and proto (its task, which
// runs buf and the CRD generator, is not run here: chaos-kind-generator.integration.spec.ts does).
describe("chaosKindGenerator", () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write(kindsFile, read(kindsFile));
    tree.write(daemonProto, read(daemonProto));
    tree.write("libs/chaos/helloworld/index.ts", "");
  });

  const written = () => tree.children("libs/chaos/diskfill").sort();

  it("writes a daemon-backed kind's folder, its kinds.ts line and its RPC", async () => {
    await chaosKindGenerator(tree, { name: "DiskFillChaos", daemon: true });
    expect(written()).toEqual([
      "README.md",
      "diskfill-chaos-crd.spec.ts",
      "diskfill-chaos-crd.ts",
      "diskfill-chaos-daemon.integration.spec.ts",
      "diskfill-chaos-daemon.spec.ts",
      "diskfill-chaos-daemon.ts",
      "diskfill-chaos-manager.integration.spec.ts",
      "diskfill-chaos-manager.spec.ts",
      "diskfill-chaos-manager.ts",
      "diskfill-chaos.ts",
      "diskfill-daemon.test-support.ts",
      "index.ts",
    ]);
    expect(tree.read(kindsFile, "utf-8")).toContain('export { diskFillChaos } from "./diskfill/index.js";');
    expect(tree.read(daemonProto, "utf-8")).toContain("rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}");
    const daemon = tree.read("libs/chaos/diskfill/diskfill-chaos-daemon.ts", "utf-8")!;
    expect(daemon).toContain("await deps.runtime.getPid(req.containerId, { signal: ctx.signal })");
    expect(daemon).toContain('export const diskFillCommand: readonly string[] = ["true"];');
    expect(daemon).toContain('export const diskFillNamespaces: readonly NamespaceKind[] = ["mnt"];');
    const definition = tree.read("libs/chaos/diskfill/diskfill-chaos.ts", "utf-8")!;
    expect(definition).toContain("oneShot: false,");
    expect(definition).toContain('selectorKind: "container",');
    expect(definition).toContain("daemon: diskFillChaosDaemon,");
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-manager.ts", "utf-8")).toContain(
      "await target.daemon.execDiskFillChaos({ containerId: target.containerId }, { signal: ctx.signal });",
    );
  });

  it("writes a kind without a daemon: no handler, no RPC, a manager that decodes its records", async () => {
    const proto = tree.read(daemonProto, "utf-8");
    await chaosKindGenerator(tree, { name: "DiskFillChaos", selector: "pod", oneShot: true });
    expect(written().filter((f) => f.includes("daemon"))).toEqual([]);
    expect(tree.read(daemonProto, "utf-8")).toBe(proto);
    const manager = tree.read("libs/chaos/diskfill/diskfill-chaos-manager.ts", "utf-8")!;
    expect(manager).toContain("await deps.decoder.decodePod(record.id, obj)");
    expect(manager).not.toContain("daemon.exec");
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos.ts", "utf-8")).toContain('oneShot: true,\n  selectorKind: "pod",');
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-crd.ts", "utf-8")).toContain("...podSelectorFields");
  });

  it("writes a daemon-backed pod kind that reaches the pod through its first container", async () => {
    await chaosKindGenerator(tree, { name: "DiskFillChaos", daemon: true, selector: "pod" });
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-manager.ts", "utf-8")).toContain("containerIdOf(target.pod, first, record.id)");
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-daemon.ts", "utf-8")).toContain('["net"]');
  });

  it("refuses a bad name, an existing kind and an unknown selector, writing nothing", async () => {
    const before = tree.read(kindsFile, "utf-8");
    await expect(chaosKindGenerator(tree, { name: "diskFill" })).rejects.toThrow(/not a chaos kind name/);
    await expect(chaosKindGenerator(tree, { name: "HelloWorldChaos" })).rejects.toThrow("HelloWorldChaos is already a kind: libs/chaos/helloworld exists");
    await expect(chaosKindGenerator(tree, { name: "DiskFillChaos", selector: "node" as never })).rejects.toThrow(/--selector must be pod or container/);
    expect(tree.read(kindsFile, "utf-8")).toBe(before);
    expect(tree.exists("libs/chaos/diskfill")).toBe(false);
  });
});
