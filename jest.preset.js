// Shared Jest configuration for every project: ESM TypeScript through @swc/jest.
// Jest runs with --experimental-vm-modules (see each project's "test" script).
// Workspace libraries resolve to their TypeScript sources through the "@faultline/source"
// export condition, so unit tests need no build.

import { fileURLToPath } from "node:url";

const summaryReporter = fileURLToPath(new URL("./tools/ci/jest-summary-reporter.cjs", import.meta.url));

// Two tiers of tests. `*.integration.spec.ts` need real parts (the local cluster, the private
// containerd, spawned apps, real namespaces); the other `*.spec.ts` need nothing started.
// FAULTLINE_TEST_TIER=unit (`npm run test:unit`) runs only the latter; unset, every test runs.
const tier = process.env["FAULTLINE_TEST_TIER"] ?? "all";
if (tier !== "unit" && tier !== "all") {
  throw new Error(`FAULTLINE_TEST_TIER must be "unit" or "all" (or unset), not ${JSON.stringify(tier)}`);
}
export const integrationSpecPattern = "\\.integration\\.spec\\.ts$";

/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  testEnvironmentOptions: { customExportConditions: ["@faultline/source", "node", "node-addons"] },
  extensionsToTreatAsEsm: [".ts"],
  moduleFileExtensions: ["ts", "js", "mjs", "cjs", "json"],
  // sources import "./x.js" (nodenext style); map to ./x so Jest finds x.ts
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
        sourceMaps: "inline",
      },
    ],
  },
  testMatch: ["<rootDir>/src/**/*.spec.ts"],
  testPathIgnorePatterns: ["/node_modules/", ...(tier === "unit" ? [integrationSpecPattern] : [])],
  // the default for tests and hooks that name none: an afterAll that deletes a test namespace waits
  // for the namespace controller, which lets a deleted namespace be for 5 s before it empties it
  // (Jest's own default, 5 s, failed those hooks while the namespace was still going)
  testTimeout: 30_000,
  // a project whose every test needs real parts has nothing to run in the unit tier
  passWithNoTests: tier === "unit",
  // one JSON summary per project, summed into "N passed, N failed" by tools/ci/summarize-tests.mjs
  reporters: ["default", summaryReporter],
};
