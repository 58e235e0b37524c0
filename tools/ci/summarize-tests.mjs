// Sums the per-project summaries written by jest-summary-reporter.cjs and prints one line per
// project, then the closing "N passed, N failed" line. Exits 1 when a test failed or no test ran.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../../.test-results");
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).sort() : [];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const f of files) {
  const s = JSON.parse(readFileSync(join(dir, f), "utf8"));
  console.log(`  ${s.project}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  passed += s.passed;
  failed += s.failed;
  skipped += s.skipped;
  for (const f of s.failures ?? []) failures.push(`${s.project}/${f}`);
}
if (failures.length > 0) {
  console.log("  failed:");
  for (const f of failures.slice(0, 30)) console.log(`    ${f}`);
  if (failures.length > 30) console.log(`    … and ${failures.length - 30} more`);
}
const expected = Number(process.argv[2] ?? "0");
if (expected > files.length) {
  console.log(`  ${expected - files.length} project(s) wrote no results (crashed before reporting)`);
  failed += expected - files.length;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
