// Integration test against the private containerd of tools/runtime/setup.sh.
import { readFile } from "node:fs/promises";
import { ContainerState } from "@faultline/api/cri";
import { CriPodFixture, connectCriRuntime } from "./cri-pod-fixture.js";
import { defaultTestContainerdSocket } from "./default-test-containerd-socket.js";

const pods = new CriPodFixture();
const { client: cri, close: closeCri } = connectCriRuntime(defaultTestContainerdSocket());

afterAll(async () => {
  await pods.removeAll();
  pods.close();
  closeCri();
});

function bareId(containerId: string): string {
  return containerId.replace(/^containerd:\/\//, "");
}

describe("CriPodFixture", () => {
  test("starts a running busybox container whose pid runs its command", async () => {
    const started = await pods.startContainer({ name: "fixture", command: ["sleep", "1234"], labels: { app: "fixture" } });
    expect(started.containerId).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(started.sandboxId).toMatch(/^[0-9a-f]{64}$/);
    const cmdline = await readFile(`/proc/${started.pid}/cmdline`, "utf8");
    expect(cmdline.split("\0").filter(Boolean)).toEqual(["sleep", "1234"]);

    const { status } = await cri.containerStatus({ containerId: bareId(started.containerId) });
    expect(status?.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect(status?.labels).toMatchObject({ app: "fixture", "faultline.dev/test-fixture": "cri-pod-fixture" });
  });

  test("gives each container a unique name, so parallel test files never collide", async () => {
    const [a, b] = await Promise.all([pods.startContainer({ name: "same" }), pods.startContainer({ name: "same" })]);
    expect(a.sandboxId).not.toBe(b.sandboxId);
    const [sa, sb] = await Promise.all([
      cri.podSandboxStatus({ podSandboxId: a.sandboxId }),
      cri.podSandboxStatus({ podSandboxId: b.sandboxId }),
    ]);
    expect(sa.status?.metadata?.name).toMatch(/^same-[0-9a-f]{8}$/);
    expect(sa.status?.metadata?.name).not.toBe(sb.status?.metadata?.name);
  });

  test("stopContainer leaves an exited container", async () => {
    const { containerId } = await pods.startContainer({ name: "stopped" });
    await pods.stopContainer(containerId);
    const { status } = await cri.containerStatus({ containerId: bareId(containerId) });
    expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
  });

  test("removeAll removes every sandbox it created", async () => {
    const own = new CriPodFixture();
    try {
      const { sandboxId } = await own.startContainer({ name: "removed" });
      await own.removeAll();
      const { items } = await cri.listPodSandbox({ filter: { id: sandboxId } });
      expect(items).toEqual([]);
      await own.removeAll(); // nothing left: a no-op
    } finally {
      own.close();
    }
  });
});
