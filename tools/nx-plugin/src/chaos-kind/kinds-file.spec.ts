import { insertKindExport, kindExportLine } from "./kinds-file.js";
import { chaosKindNames } from "./names.js";

const header = "// Every chaos kind Faultline ships, one line each.\n// catalog.ts lists what this module exports.\n";
const hello = 'export { helloWorldChaos } from "./helloworld/index.js";\n';

describe("insertKindExport", () => {
  it("writes the kind's export line", () => {
    expect(kindExportLine(chaosKindNames("DiskFillChaos"))).toBe('export { diskFillChaos } from "./diskfill/index.js";');
  });

  it("adds one line among the exports in name order, leaving every other line where it was", () => {
    const one = insertKindExport(header + hello, chaosKindNames("DiskFillChaos"));
    expect(one).toBe(header + 'export { diskFillChaos } from "./diskfill/index.js";\n' + hello);
    const two = insertKindExport(one, chaosKindNames("StressChaos"));
    expect(two).toBe(header + 'export { diskFillChaos } from "./diskfill/index.js";\n' + hello + 'export { stressChaos } from "./stress/index.js";\n');
    const three = insertKindExport(two, chaosKindNames("IOChaos"));
    expect(three.split("\n").filter((l) => l.startsWith("export"))).toEqual([
      'export { diskFillChaos } from "./diskfill/index.js";',
      'export { helloWorldChaos } from "./helloworld/index.js";',
      'export { ioChaos } from "./io/index.js";',
      'export { stressChaos } from "./stress/index.js";',
    ]);
  });

  it("adds the first line after the header when there is none yet", () => {
    expect(insertKindExport(header, chaosKindNames("DiskFillChaos"))).toBe(header + 'export { diskFillChaos } from "./diskfill/index.js";\n');
  });

  it("refuses a kind already listed", () => {
    expect(() => insertKindExport(header + hello, chaosKindNames("HelloWorldChaos"))).toThrow("kinds.ts already lists helloWorldChaos");
  });
});
