import preset from "../../jest.preset.js";

/** @type {import('jest').Config} */
export default {
  ...preset,
  displayName: "chaos",
  // one folder per kind, each with its tests beside its code
  testMatch: ["<rootDir>/**/*.spec.ts"],
  testPathIgnorePatterns: [...(preset.testPathIgnorePatterns ?? ["/node_modules/"]), "<rootDir>/dist/"],
};
