import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { serveAndCall } from "./readme-example.js";
import { ensureSpawnHelperBinary } from "./spawn-helper.test-support.js";

ensureSpawnHelperBinary(); // from source, the binary beside the module is make's

describe("README example", () => {
  it("runs: serves the handler and calls it over gRPC", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-readme-"));
    try {
      expect(await serveAndCall(join(dir, "d.sock"), process.pid)).toBe(hostname());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
