// Runs README.md's example (src/readme-example.ts) against a real container (the private
// containerd of tools/runtime/setup.sh); readme-example.spec.ts checks the README holds it verbatim.
import { readFile } from "node:fs/promises";
import { InvalidContainerIdError } from "./container-runtime-error.js";
import { killContainer } from "./readme-example.js";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";

const pods = new CriPodFixture();

afterAll(async () => {
  await pods.removeAll();
  pods.close();
});

describe("README example", () => {
  test("kills a real container and returns its pid; a second run finds nothing to kill", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "readme" });
    const socket = defaultTestContainerdSocket();
    expect(await killContainer(socket, containerId)).toBe(pid);
    await expect(readFile(`/proc/${pid}/cmdline`)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await killContainer(socket, containerId)).toBeUndefined();
  });

  test("lets an invalid id through as an error", async () => {
    await expect(killContainer(defaultTestContainerdSocket(), "containerd://x; rm -rf /")).rejects.toBeInstanceOf(
      InvalidContainerIdError,
    );
  });
});
