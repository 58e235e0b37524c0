// Chaos Mesh's NetworkChaos example manifests (fixtures/*.yaml), read as objects for the tests.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { NetworkChaos } from "./network-chaos-crd.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Every example manifest, by file name without `.yaml`. */
export function networkChaosExamples(): { [name: string]: NetworkChaos } {
  const out: { [name: string]: NetworkChaos } = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    out[file.replace(/\.yaml$/, "")] = parse(readFileSync(join(dir, file), "utf8")) as NetworkChaos;
  }
  return out;
}
