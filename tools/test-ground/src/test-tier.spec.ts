import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { localCluster } from "./local-cluster.js";
import { CriPodFixture } from "./cri-pod-fixture.js";
import { requireRealParts } from "./test-tier.js";

const projectDir = fileURLToPath(new URL("..", import.meta.url));
const jestBin = fileURLToPath(new URL("../../../node_modules/jest/bin/jest.js", import.meta.url));

/** The spec files jest would run in this project, under the given tier. */
function listTests(tier: string | undefined): string[] {
  const env = { ...process.env };
  if (tier === undefined) delete env["FAULTLINE_TEST_TIER"];
  else env["FAULTLINE_TEST_TIER"] = tier;
  const out = execFileSync(process.execPath, ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning", jestBin, "--listTests"], {
    cwd: projectDir,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return out
    .split("\n")
    .filter(Boolean)
    .map((file) => file.slice(file.lastIndexOf("/") + 1))
    .sort();
}

describe("the test tiers (jest.preset.js)", () => {
  it("runs every spec when FAULTLINE_TEST_TIER is unset, and no integration spec in the unit tier", () => {
    const all = listTests(undefined);
    const unit = listTests("unit");
    expect(all).toContain("cri-pod-fixture.integration.spec.ts");
    expect(all).toContain("test-tier.spec.ts");
    expect(unit).toContain("test-tier.spec.ts");
    expect(unit.filter((file) => file.endsWith(".integration.spec.ts"))).toEqual([]);
    expect(unit).toEqual(all.filter((file) => !file.endsWith(".integration.spec.ts")));
  });

  it("refuses a tier it does not know", () => {
    expect(() => listTests("smoke")).toThrow();
  });
});

describe("requireRealParts", () => {
  const saved = process.env["FAULTLINE_TEST_TIER"];
  afterEach(() => {
    if (saved === undefined) delete process.env["FAULTLINE_TEST_TIER"];
    else process.env["FAULTLINE_TEST_TIER"] = saved;
  });

  it("lets integration tests reach real parts", () => {
    delete process.env["FAULTLINE_TEST_TIER"];
    expect(() => requireRealParts("the local cluster")).not.toThrow();
  });

  it("makes the test ground's real parts fail fast in the unit tier, naming the fix", async () => {
    process.env["FAULTLINE_TEST_TIER"] = "unit";
    expect(() => requireRealParts("the local cluster")).toThrow(/name the spec that needs it \*\.integration\.spec\.ts/);
    await expect(localCluster()).rejects.toThrow(/the local cluster is a real part/);
    await expect(new CriPodFixture("/nonexistent/containerd.sock").startContainer()).rejects.toThrow(
      /the container runtime at \/nonexistent\/containerd.sock is a real part/,
    );
  });
});
