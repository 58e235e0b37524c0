// Writes libs/chaos/crds/*.yaml from the catalog's kinds (their TypeScript schemas) and the
// RecordShard, Schedule, Workflow, WorkflowNode and StatusCheck CRDs the manager builds over them,
// and removes CRD files no kind produces any more. The manager generates them (it runs those
// controllers over its kinds), so libs/chaos needs none of the orchestration libraries. Run through
// `npm run generate:crds -w @faultline/manager`, which builds dist first and then copies the files
// into the chart. The output depends on the sources only, so CI can regenerate and diff.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFiles } from "@faultline/api";
import { builtInChaosKinds } from "@faultline/chaos";
import { crdHeader, managerCrds } from "../dist/manager-crds.js";

const crdDir = fileURLToPath(new URL("../../../libs/chaos/crds/", import.meta.url));
mkdirSync(crdDir, { recursive: true });

const files = crdFiles(managerCrds(builtInChaosKinds), crdHeader);
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
