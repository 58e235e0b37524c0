// Test support: Chaos Mesh's StressChaos example manifests (examples/*.yaml, from its
// documentation and repository), read as they are.
import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import type { StressChaos } from "./stress-chaos-crd.js";

const dir = new URL("./examples/", import.meta.url);

/** Every example manifest, by file name without `.yaml`. */
export function chaosMeshStressExamples(): { [name: string]: StressChaos } {
  const examples: { [name: string]: StressChaos } = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) examples[file.slice(0, -5)] = parse(readFileSync(new URL(file, dir), "utf8"));
  return examples;
}

/** An example placed in the test's namespace (its own namespace is one of Chaos Mesh's). */
export function inNamespace(example: StressChaos, namespace: string): StressChaos {
  return { ...example, metadata: { ...example.metadata, namespace } };
}
