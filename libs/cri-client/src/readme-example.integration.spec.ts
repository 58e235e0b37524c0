// Runs README.md's example (src/readme-example.ts) against a real container (the private
// containerd of tools/runtime/setup.sh); readme-example.spec.ts checks the README holds it verbatim.
import { readFile } from "node:fs/promises";
import { InvalidContainerIdError } from "./container-runtime-error.js";
import { ContainerState } from "@faultline/api/cri";
import { createCriRuntimeServiceClient } from "./cri-runtime-service-client.js";
import { killContainer } from "./readme-example.js";
import { CriPodFixture, defaultTestContainerdSocket, eventually } from "@faultline/test-ground";

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
    // dead once the kill answers: gone, or a zombie its shim is reaping
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    expect(stat === undefined || /^\d+ \(.*\) [ZX] /.test(stat)).toBe(true);
    // once the runtime has recorded the exit (a moment later), there is nothing left to kill
    const cri = createCriRuntimeServiceClient(socket);
    await eventually("the runtime to record the exit", async () => {
      const { status } = await cri.containerStatus({ containerId: containerId.slice("containerd://".length) });
      return status?.state === ContainerState.CONTAINER_EXITED ? true : undefined;
    }, 10_000, 50);
    expect(await killContainer(socket, containerId)).toBeUndefined();
  });

  test("lets an invalid id through as an error", async () => {
    await expect(killContainer(defaultTestContainerdSocket(), "containerd://x; rm -rf /")).rejects.toBeInstanceOf(
      InvalidContainerIdError,
    );
  });
});
