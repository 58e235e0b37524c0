// Shared Jest configuration for every project: ESM TypeScript through @swc/jest.
// Jest runs with --experimental-vm-modules (see each project's "test" script).
// Workspace libraries resolve to their TypeScript sources through the "@faultline/source"
// export condition, so unit tests need no build.

import { fileURLToPath } from "node:url";

const summaryReporter = fileURLToPath(new URL("./tools/ci/jest-summary-reporter.cjs", import.meta.url));

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
  // one JSON summary per project, summed into "N passed, N failed" by tools/ci/summarize-tests.mjs
  reporters: ["default", summaryReporter],
};
