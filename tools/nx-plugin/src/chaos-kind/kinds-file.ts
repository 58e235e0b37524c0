import type { ChaosKindNames } from "./names.js";

/** The line a kind adds to libs/chaos/kinds.ts. */
export function kindExportLine(names: Pick<ChaosKindNames, "constName" | "folder">): string {
  return `export { ${names.constName} } from "./${names.folder}/index.js";`;
}

const exportLine = /^export \{ (\w+) \} from "\.\/[^"]+";$/;

/**
 * Adds a kind's export line to the text of libs/chaos/kinds.ts, among the other export lines in
 * name order (every other line stays where it is, so the diff is the one line). Throws when the
 * kind is already listed.
 *
 * @example
 * insertKindExport('export { helloWorldChaos } from "./helloworld/index.js";\n', names);
 */
export function insertKindExport(source: string, names: Pick<ChaosKindNames, "constName" | "folder">): string {
  const line = kindExportLine(names);
  const lines = source.split("\n");
  const exports = lines.flatMap((text, index) => {
    const match = exportLine.exec(text);
    return match ? [{ index, name: match[1]! }] : [];
  });
  if (exports.some((e) => e.name === names.constName)) {
    throw new Error(`kinds.ts already lists ${names.constName}`);
  }
  const after = exports.find((e) => e.name.localeCompare(names.constName, "en") > 0);
  let at: number;
  if (after) at = after.index;
  else if (exports.length > 0) at = exports[exports.length - 1]!.index + 1;
  else at = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  lines.splice(at, 0, line);
  return lines.join("\n");
}
