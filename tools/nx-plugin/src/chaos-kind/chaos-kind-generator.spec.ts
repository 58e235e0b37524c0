import { readFileSync } from "node:fs";
import type { Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import ts from "typescript";
import { chaosKindGenerator, daemonProto, kindsFile, type ChaosKindGeneratorOptions } from "./chaos-kind-generator.js";

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
    const manager = tree.read("libs/chaos/diskfill/diskfill-chaos-manager.ts", "utf-8")!;
    expect(manager).toContain("const target = await deps.decoder.decodeContainer(recordId, obj);");
    expect(manager).toContain("await daemon.execDiskFillChaos({ containerId }, { signal: ctx.signal });");
    // without --recover: no second RPC, and a Recover that calls nothing
    expect(tree.read(daemonProto, "utf-8")).not.toContain("RecoverDiskFillChaos");
    expect(manager).not.toContain("recoverDiskFillChaos");
    expect(daemon).not.toContain("recoverDiskFillChaos");
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
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-manager.ts", "utf-8")).toContain("containerIdOf(target.pod, first, recordId)");
    expect(tree.read("libs/chaos/diskfill/diskfill-chaos-daemon.ts", "utf-8")).toContain('["net"]');
  });

  it("refuses a bad name, an existing kind and an unknown selector, writing nothing", async () => {
    const before = tree.read(kindsFile, "utf-8");
    await expect(chaosKindGenerator(tree, { name: "diskFill" })).rejects.toThrow(/not a chaos kind name/);
    await expect(chaosKindGenerator(tree, { name: "HelloWorldChaos" })).rejects.toThrow("HelloWorldChaos is already a kind: libs/chaos/helloworld exists");
    await expect(chaosKindGenerator(tree, { name: "DiskFillChaos", selector: "node" as never })).rejects.toThrow(/--selector must be pod or container/);
    await expect(chaosKindGenerator(tree, { name: "DiskFillChaos", recover: true })).rejects.toThrow(
      "--recover needs --daemon: RecoverDiskFillChaos is an RPC of the kind's daemon, which only a daemon-backed kind has",
    );
    await expect(chaosKindGenerator(tree, { name: "DiskFillChaos", daemon: true, fields: ["size:float"] })).rejects.toThrow(/--field "size:float": unknown type/);
    await expect(chaosKindGenerator(tree, { name: "DiskFillChaos", daemon: true, fields: ["containerId"] })).rejects.toThrow(/containerId is already a field/);
    expect(tree.read(kindsFile, "utf-8")).toBe(before);
    expect(tree.read(daemonProto, "utf-8")).toBe(read(daemonProto));
    expect(tree.exists("libs/chaos/diskfill")).toBe(false);
  });
});

describe("chaosKindGenerator --recover --field", () => {
  let tree: Tree;
  const file = (name: string) => tree.read(`libs/chaos/diskfill/diskfill-chaos${name}`, "utf-8")!;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    tree.write(kindsFile, read(kindsFile));
    tree.write(daemonProto, read(daemonProto));
    // the example: fallocate on apply, rm on recover
    await chaosKindGenerator(tree, { name: "DiskFillChaos", daemon: true, recover: true, fields: ["size:string", "path:string"] });
  });

  it("adds both RPCs to the proto, each request carrying the container id and the fields", () => {
    const proto = tree.read(daemonProto, "utf-8")!;
    expect(proto).toContain("rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}");
    expect(proto).toContain("rpc RecoverDiskFillChaos(RecoverDiskFillChaosRequest) returns (google.protobuf.Empty) {}");
    for (const message of ["ExecDiskFillChaosRequest", "RecoverDiskFillChaosRequest"]) {
      expect(proto).toMatch(new RegExp(`message ${message} \\{\\n(\\s*//[^\\n]*\\n)?\\s*string container_id = 1;\\n\\s*//[^\\n]*\\n\\s*string size = 2;\\n\\s*//[^\\n]*\\n\\s*string path = 3;\\n\\}`));
    }
  });

  it("puts the fields in the CRD's schema and its spec test", () => {
    const crd = file("-crd.ts");
    expect(crd).toContain('size: Type.String({ description: "size: DiskFillChaos\'s own field, sent to the daemon in ExecDiskFillChaos and RecoverDiskFillChaos." }),');
    expect(crd).toContain("path: Type.String(");
    const spec = file("-crd.spec.ts");
    expect(spec).toContain('duration: "1h", size: "size-value", path: "path-value" }');
    expect(spec).toContain('".spec.mode: required", ".spec.size: required", ".spec.path: required"]');
    expect(spec).toContain('expect(validateAgainstSchema(withSpec({ size: 7 }), schema)).toEqual([".spec.size: must be a string"]);');
  });

  it("writes a manager whose Apply and Recover call Exec… and Recover… with the spec's fields, and specs for both", () => {
    const manager = file("-manager.ts");
    expect(manager).toContain("return { size: spec.size, path: spec.path };");
    expect(manager).toContain("await daemon.execDiskFillChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });");
    expect(manager).toContain("await daemon.recoverDiskFillChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });");
    const spec = file("-manager.spec.ts");
    expect(spec).toContain('async recoverDiskFillChaos(req, callCtx) {');
    expect(spec).toContain('expect(calls).toEqual([call("RecoverDiskFillChaos")]);');
    expect(spec).toContain('Recover of a pod that is gone fails with PodNotFound');
    expect(spec).not.toContain("Recover has nothing to undo");
    expect(file("-manager.integration.spec.ts")).toContain('daemon.lines.find((l) => l["message"] === "DiskFillChaos recovered")');
  });

  it("writes a daemon with both handlers, each running its command built from the request, and specs for both", () => {
    const daemon = file("-daemon.ts");
    expect(daemon).toContain("export function diskFillCommand(request: ExecDiskFillChaosRequest): string[] {");
    expect(daemon).toContain('return ["echo", "DiskFillChaos", `size=${request.size}`, `path=${request.path}`];');
    expect(daemon).toContain("export function diskFillRecoverCommand(request: RecoverDiskFillChaosRequest): string[] {");
    expect(daemon).toContain("async execDiskFillChaos(req, ctx) {");
    expect(daemon).toContain("async recoverDiskFillChaos(req, ctx) {");
    expect(daemon).toContain("const argv = diskFillRecoverCommand(req);");
    expect(daemon).toContain('log.info("RecoverDiskFillChaos", { request: { containerId: req.containerId, size: req.size, path: req.path } });');
    const spec = file("-daemon.spec.ts");
    expect(spec).toContain('await callDaemonHandler(diskFillChaosDaemon(deps), "recoverDiskFillChaos", request,');
    expect(spec).toContain("const argv = diskFillRecoverCommand(create(RecoverDiskFillChaosRequestSchema, request));");
    expect(file("-daemon.integration.spec.ts")).toContain("await client.recoverDiskFillChaos({ containerId, ...fields });");
    expect(tree.read("libs/chaos/diskfill/index.ts", "utf-8")).toContain("diskFillNamespaces, diskFillRecoverCommand }");
    expect(tree.read("libs/chaos/diskfill/README.md", "utf-8")).toContain(
      "`npx nx g @faultline/nx-plugin:chaos-kind DiskFillChaos --daemon --recover --field size:string --field path:string`",
    );
  });

  it("puts fields in the CRD alone for a kind without a daemon", async () => {
    const plain = createTreeWithEmptyWorkspace();
    plain.write(kindsFile, read(kindsFile));
    plain.write(daemonProto, read(daemonProto));
    await chaosKindGenerator(plain, { name: "LabelChaos", selector: "pod", fields: ["label", "count?:int32"] });
    expect(plain.read(daemonProto, "utf-8")).toBe(read(daemonProto));
    const crd = plain.read("libs/chaos/label/label-chaos-crd.ts", "utf-8")!;
    expect(crd).toContain('label: Type.String({ description: "label: LabelChaos\'s own field." }),');
    expect(crd).toContain('count: Type.Optional(Type.Integer({ description: "count: LabelChaos\'s own field.", minimum: -2147483648, maximum: 2147483647, format: "int32" })),');
    expect(plain.read("libs/chaos/label/label-chaos-manager.ts", "utf-8")).not.toContain("requestFieldsOf");
  });
});

// Every option the generator has, alone and together: what each writes must be plain source text
// (nx renders templates with EJS, whose <%= escapes HTML: "the container&#39;s mount namespace")
// that TypeScript parses without a syntax error.
describe("what the generator writes, for every combination of options", () => {
  const combinations: ChaosKindGeneratorOptions[] = [];
  for (const daemon of [false, true]) {
    for (const recover of daemon ? [false, true] : [false]) {
      for (const selector of ["container", "pod"] as const) {
        for (const oneShot of [false, true]) {
          for (const fields of [[], ["size:string", "paths:string[]", "force?:bool", "count:int32", "blocks?:uint32"]]) {
            combinations.push({ name: "DiskFillChaos", daemon, recover, selector, oneShot, fields });
          }
        }
      }
    }
  }

  it.each(combinations.map((options) => [JSON.stringify({ ...options, name: undefined }), options] as const))("%s", async (_, options) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write(kindsFile, read(kindsFile));
    tree.write(daemonProto, read(daemonProto));
    await chaosKindGenerator(tree, options);
    const paths = [...tree.children("libs/chaos/diskfill").map((f) => `libs/chaos/diskfill/${f}`), daemonProto, kindsFile];
    for (const path of paths) {
      const text = tree.read(path, "utf-8")!;
      expect([path, text.match(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi)]).toEqual([path, null]);
      expect([path, text.includes("<%")]).toEqual([path, false]);
      if (path.endsWith(".ts")) {
        const { diagnostics } = ts.transpileModule(text, { fileName: path, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext } });
        expect([path, (diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))]).toEqual([path, []]);
      }
    }
  });
});
