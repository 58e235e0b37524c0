import preset from "../../jest.preset.js";

/** @type {import('jest').Config} */
export default {
  ...preset,
  displayName: "nx-plugin",
  // the templates under src/chaos-kind/files are *.template files, not specs
  testPathIgnorePatterns: [...(preset.testPathIgnorePatterns ?? ["/node_modules/"]), "<rootDir>/src/chaos-kind/files/"],
};
