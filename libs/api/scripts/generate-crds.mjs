// Writes libs/api/crds/*.yaml from the TypeScript schemas (libs/api/src/v1alpha1), and removes
// CRD files no kind produces any more. Run through `npm run generate:crds -w @faultline/api`,
// which builds dist first. The output depends on the sources only, so CI can regenerate and diff.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFiles } from "../dist/crd-files.js";

const crdDir = fileURLToPath(new URL("../crds/", import.meta.url));
mkdirSync(crdDir, { recursive: true });

const files = crdFiles();
const wanted = new Set(files.map((file) => file.fileName));
for (const name of readdirSync(crdDir)) {
  if (name.endsWith(".yaml") && !wanted.has(name)) {
    rmSync(crdDir + name);
    console.log(`removed crds/${name}`);
  }
}
for (const { fileName, content } of files) {
  let current;
  try {
    current = readFileSync(crdDir + fileName, "utf8");
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  writeFileSync(crdDir + fileName, content);
  console.log(`wrote crds/${fileName}`);
}
