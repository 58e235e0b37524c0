import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerNotFoundError, type ContainerRuntimeClient } from "@faultline/cri-client";
import { callDaemonHandler, type DaemonLogLine, type NamespaceProcessRequest, type NamespaceProcessRunner } from "@faultline/daemon-server";
import { helloWorldChaosDaemon, helloWorldCommand } from "./helloworld-chaos-daemon.js";

// The daemon side as pure logic: a runtime and a runner in memory, the handler called as the
// server would call it. The real containerd and nsenter are in helloworld-chaos-daemon.integration.spec.ts.
describe("helloWorldChaosDaemon", () => {
  const containerId = "containerd://" + "b".repeat(64);
  const runs: NamespaceProcessRequest[] = [];
  const runtime = {
    async getPid(id: string) {
      if (id !== containerId) throw new ContainerNotFoundError(id);
      return 4242;
    },
  } as unknown as ContainerRuntimeClient;
  const runner = {
    async run(request: NamespaceProcessRequest) {
      runs.push(request);
      return { stdout: "PID   USER     COMMAND\n    1 root     sleep 3333\n", stderr: "" };
    },
  } as unknown as NamespaceProcessRunner;
  const handlers = helloWorldChaosDaemon({ runtime, runner });

  beforeEach(() => (runs.length = 0));

  it("runs ps aux in the container's mount namespace and logs the list", async () => {
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(handlers, "execHelloWorldChaos", { containerId }, { logLines, headers: { "namespaced-name": "busybox/hello" } });
    expect(runs).toEqual([expect.objectContaining({ pid: 4242, namespaces: ["mnt"], argv: helloWorldCommand })]);
    expect(logLines).toContainEqual(
      expect.objectContaining({ message: "cmd output", containerId, namespacedName: "busybox/hello", output: expect.stringContaining("sleep 3333") }),
    );
  });

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const call = callDaemonHandler(handlers, "execHelloWorldChaos", { containerId: "containerd://" + "c".repeat(64) });
    await expect(call).rejects.toBeInstanceOf(ConnectError);
    await expect(call).rejects.toMatchObject({ code: Code.NotFound });
    expect(runs).toEqual([]);
  });
});
