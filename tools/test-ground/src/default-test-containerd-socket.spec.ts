import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultTestContainerdSocket } from "./default-test-containerd-socket.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("defaultTestContainerdSocket", () => {
  const saved = process.env["FAULTLINE_RUNTIME_DIR"];
  afterEach(() => {
    if (saved === undefined) delete process.env["FAULTLINE_RUNTIME_DIR"];
    else process.env["FAULTLINE_RUNTIME_DIR"] = saved;
  });

  test("is <repo root>/.runtime/containerd.sock by default", () => {
    delete process.env["FAULTLINE_RUNTIME_DIR"];
    expect(defaultTestContainerdSocket()).toBe(join(repoRoot, ".runtime", "containerd.sock"));
    expect(existsSync(join(repoRoot, "nx.json"))).toBe(true);
  });

  test("follows FAULTLINE_RUNTIME_DIR", () => {
    process.env["FAULTLINE_RUNTIME_DIR"] = "/srv/faultline-runtime";
    expect(defaultTestContainerdSocket()).toBe("/srv/faultline-runtime/containerd.sock");
  });
});
