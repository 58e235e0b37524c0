import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateFiles, joinPathFragments, type GeneratorCallback, type Tree } from "@nx/devkit";
import { parseKindFields, type KindField } from "./fields.js";
import { insertKindExport } from "./kinds-file.js";
import { chaosKindNames, lowerCamel, type ChaosKindNames } from "./names.js";
import { insertDaemonRpc } from "./proto-file.js";

/** The generator's options (schema.json says the same for `nx g`). */
export interface ChaosKindGeneratorOptions {
  /** The kind, CamelCase ending in "Chaos": `DiskFillChaos`. */
  name: string;
  /** Daemon-backed: the kind gets an RPC of its own (`Exec<Name>`) and daemon handlers. */
  daemon?: boolean;
  /** Pod records (`ns/pod`) or container records (`ns/pod/container`); default container. */
  selector?: "pod" | "container";
  /** One-shot kinds stay in Run until deleted; default false: the kind lasts `spec.duration`. */
  oneShot?: boolean;
  /**
   * With `daemon`: a `Recover<Name>` RPC too, which removes what `Exec<Name>` left in the
   * container, and a manager whose Recover calls it.
   */
  recover?: boolean;
  /**
   * The kind's own spec fields, `name[?][:type]` each (`size:string`, `fillPath`, `force?:bool`;
   * types string, string[], bool, int32, uint32): in the CRD's schema and, with `daemon`, in the
   * RPCs' requests, which the manager fills from the spec (`--field` on the command line, repeated).
   */
  fields?: string[];
}

/** Where the generator writes, relative to the workspace root. */
export const chaosLibrary = "libs/chaos";
export const kindsFile = `${chaosLibrary}/kinds.ts`;
export const daemonProto = "proto/pb/chaosdaemon.proto";

const templates = fileURLToPath(new URL("./files", import.meta.url));

/** Every value the templates use, from the options. */
export function templateValues(
  names: ChaosKindNames,
  options: Required<Omit<ChaosKindGeneratorOptions, "name" | "fields">> & { fields: readonly KindField[] },
) {
  const { daemon, selector, oneShot, recover, fields } = options;
  const base = lowerCamel(names.base);
  return {
    ...names,
    daemon,
    selector,
    oneShot,
    recover,
    fields,
    hasFields: fields.length > 0,
    /** The command line that wrote the kind, for its README. */
    command: [
      `npx nx g @faultline/nx-plugin:chaos-kind ${names.kind}`,
      ...(daemon ? ["--daemon"] : []),
      ...(recover ? ["--recover"] : []),
      ...(selector === "pod" ? ["--selector pod"] : []),
      ...(oneShot ? ["--one-shot"] : []),
      ...fields.map((f) => `--field ${f.name}${f.optional ? "?" : ""}:${f.type}`),
    ].join(" "),
    /** A field's value in the default command's argv, as a template literal's expression. */
    argOf: (f: KindField) => (f.type === "string[]" ? `request.${f.name}.join(",")` : `request.${f.name}`),
    selectorFields: selector === "pod" ? "podSelectorFields" : "containerSelectorFields",
    target: selector,
    targets: `${selector}s`,
    commandName: `${base}Command`,
    recoverCommandName: `${base}RecoverCommand`,
    namespacesName: `${base}Namespaces`,
    // a pod kind acts on the pod's network namespace; a container kind in the container's filesystem
    namespaces: selector === "pod" ? ["net"] : ["mnt"],
  };
}

/**
 * `nx g @faultline/nx-plugin:chaos-kind <Name>`: writes libs/chaos/<folder>/ (CRD, manager impl,
 * daemon handlers with --daemon, definition, index, README, tests), adds the kind's one line to
 * libs/chaos/kinds.ts and, with --daemon, its RPC to the daemon protocol. The returned task then
 * regenerates the protocol's TypeScript (`npx buf generate`, with --daemon) and the CRDs
 * (`npm run generate:crds -w @faultline/manager`, which updates the chart's copy too).
 */
export async function chaosKindGenerator(tree: Tree, options: ChaosKindGeneratorOptions): Promise<GeneratorCallback> {
  const names = chaosKindNames(options.name);
  const selector = options.selector ?? "container";
  if (selector !== "pod" && selector !== "container") {
    throw new Error(`--selector must be pod or container, not ${JSON.stringify(selector)}`);
  }
  const daemon = options.daemon ?? false;
  const oneShot = options.oneShot ?? false;
  const recover = options.recover ?? false;
  if (recover && !daemon) {
    throw new Error(`--recover needs --daemon: ${names.recoverRpc} is an RPC of the kind's daemon, which only a daemon-backed kind has`);
  }
  const fields = parseKindFields(options.fields ?? [], names.kind, daemon ? [names.rpc, ...(recover ? [names.recoverRpc] : [])] : []);
  const folder = joinPathFragments(chaosLibrary, names.folder);
  if (tree.exists(folder)) throw new Error(`${names.kind} is already a kind: ${folder} exists`);
  if (!tree.exists(kindsFile)) throw new Error(`${kindsFile} not found: run the generator at the root of the Faultline workspace`);

  tree.write(kindsFile, insertKindExport(tree.read(kindsFile, "utf-8")!, names));
  if (daemon) {
    if (!tree.exists(daemonProto)) throw new Error(`${daemonProto} not found`);
    tree.write(daemonProto, insertDaemonRpc(tree.read(daemonProto, "utf-8")!, names, { recover, fields }));
  }

  generateFiles(tree, templates, chaosLibrary, templateValues(names, { daemon, selector, oneShot, recover, fields }));
  if (!daemon) {
    for (const file of tree.children(folder)) if (file.includes("-daemon.")) tree.delete(joinPathFragments(folder, file));
  }

  return () => {
    if (daemon) run(tree.root, "npx", ["buf", "generate"]);
    run(tree.root, "npm", ["run", "generate:crds", "-w", "@faultline/manager"]);
  };
}

function run(cwd: string, command: string, args: string[]): void {
  console.log(`> ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
  }
}

export default chaosKindGenerator;
