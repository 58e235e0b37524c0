// README.md's example is src/readme-example.ts, pasted verbatim; this keeps the two in step and
// runs the example against a real container (the private containerd of tools/runtime/setup.sh).
import { readFile } from "node:fs/promises";
import { InvalidContainerIdError } from "./container-runtime-error.js";
import { killContainer } from "./readme-example.js";
import { CriPodFixture } from "./testing/cri-pod-fixture.js";
import { defaultTestContainerdSocket } from "./testing/default-test-containerd-socket.js";

const pods = new CriPodFixture();

afterAll(async () => {
  await pods.removeAll();
  pods.close();
});

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

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
