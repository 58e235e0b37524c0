// The repository-wide checks of tools/ci that guard what ships: no test support in any package,
// and the license every package declares.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain .mjs script of tools/ci, without type declarations
import { isTestSupportPath, testSupportShippedBy, workspacePackageDirs } from "../../ci/check-test-support.mjs";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("tools/ci/check-test-support.mjs", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-test-support-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A package with the given files, relative to its root. */
  function fakePackage(name: string, manifest: object, files: string[]): string {
    const root = join(dir, name);
    for (const file of ["README.md", ...files]) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), "export {};\n");
    }
    writeFileSync(join(root, "package.json"), JSON.stringify({ name, version: "0.0.0", files: ["dist", "README.md"], ...manifest }));
    return root;
  }

  it("names test support by folder, suffix and spec", () => {
    expect(isTestSupportPath("dist/testing/index.js")).toBe(true);
    expect(isTestSupportPath("src/testing/api-server.ts")).toBe(true);
    expect(isTestSupportPath("dist/pod-fixtures.test-support.d.ts")).toBe(true);
    expect(isTestSupportPath("dist/select-pods.spec.js")).toBe(true);
    expect(isTestSupportPath("dist/select-pods.js")).toBe(false);
    expect(isTestSupportPath("dist/attesting.js")).toBe(false);
  });

  it("finds test support in a build output and in a publishable package's tarball", () => {
    // what @faultline/cri-client looked like with its ./testing export
    const shipping = fakePackage("shipping", {}, ["dist/index.js", "dist/testing/index.js", "dist/testing/cri-pod-fixture.d.ts"]);
    expect(testSupportShippedBy(shipping).sort()).toEqual([
      "dist/testing/cri-pod-fixture.d.ts",
      "dist/testing/index.js",
      "pack: dist/testing/cri-pod-fixture.d.ts",
      "pack: dist/testing/index.js",
    ]);
    // a tarball that lists src/ ships its testing folder even when the build leaves it out
    const packingSources = fakePackage("packing-sources", { files: ["dist", "src"] }, ["dist/index.js", "src/testing/fixture.ts"]);
    expect(testSupportShippedBy(packingSources)).toEqual(["pack: src/testing/fixture.ts"]);
  });

  it("passes a clean package, and checks only the build output of a private one", () => {
    expect(testSupportShippedBy(fakePackage("clean", {}, ["dist/index.js", "src/x.test-support.ts"]))).toEqual([]);
    expect(testSupportShippedBy(fakePackage("app", { private: true }, ["dist/main.js", "dist/testing/x.js"]))).toEqual([
      "dist/testing/x.js",
    ]);
  });

  it("checks every workspace package but the test ground", () => {
    const names = workspacePackageDirs().map((d: string) => JSON.parse(readFileSync(join(d, "package.json"), "utf8")).name);
    expect(names).toEqual(expect.arrayContaining(["@faultline/cri-client", "@faultline/selector", "@faultline/daemon-server"]));
    expect(names).not.toContain("@faultline/test-ground");
  });
});

describe("the root LICENSE", () => {
  it("is the Apache-2.0 text that every package declares", () => {
    const license = readFileSync(join(repoRoot, "LICENSE"), "utf8");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(license).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    for (const dir of [repoRoot, ...workspacePackageDirs()]) {
      const { name, license: declared, private: isPrivate } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (!isPrivate || declared !== undefined) expect({ name, license: declared }).toEqual({ name, license: "Apache-2.0" });
    }
  });
});
