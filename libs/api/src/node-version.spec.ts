import { nodeVersionAtLeast, requireNodeVersion } from "./node-version.js";

describe("nodeVersionAtLeast", () => {
  it.each([
    ["22.19.0", "22.19.0", true],
    ["22.19.1", "22.19.0", true],
    ["22.20.0", "22.19.0", true],
    ["24.0.0", "22.19.0", true],
    ["v24.21.0", "22.19.0", true],
    ["22.18.9", "22.19.0", false],
    ["20.20.2", "22.19.0", false],
    ["9.99.99", "22.19.0", false],
  ])("%s against %s: %s", (current, minimum, expected) => {
    expect(nodeVersionAtLeast(current, minimum)).toBe(expected);
  });

  it("refuses what is not a version", () => {
    expect(() => nodeVersionAtLeast("latest", "22.19.0")).toThrow('not a Node.js version: "latest"');
  });
});

describe("requireNodeVersion", () => {
  const run = (current: string) => {
    const lines: string[] = [];
    const codes: number[] = [];
    requireNodeVersion("faultline-manager", "22.19.0", {
      current,
      writeError: (line) => lines.push(line),
      exit: ((code: number) => void codes.push(code)) as (code: number) => never,
    });
    return { lines, codes };
  };

  it("says in one line which Node is needed and exits 1 on an older one", () => {
    expect(run("v20.20.2")).toEqual({ lines: ["faultline-manager needs Node.js 22.19.0 or newer; this is Node.js 20.20.2\n"], codes: [1] });
  });

  it("lets a new enough Node through silently", () => {
    expect(run("24.21.0")).toEqual({ lines: [], codes: [] });
  });
});
