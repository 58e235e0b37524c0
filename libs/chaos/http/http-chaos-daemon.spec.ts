import { Code } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError } from "@faultline/cri-client";
import { callDaemonHandler, type DaemonLogLine, type NamespaceProcessRequest } from "@faultline/daemon-server";
import { httpCommand, httpChaosDaemon, httpNamespaces, httpRecoverCommand } from "./http-chaos-daemon.js";

// The daemon handlers as the server calls them, without a server: a fake runtime and runner record
// what the handlers ask of them (the real ones are in http-chaos-daemon.integration.spec.ts).
const containerId = "containerd://" + "c".repeat(64);
const unknownId = "containerd://" + "0".repeat(64);
const request = { containerId };

function fakeDeps() {
  const runs: NamespaceProcessRequest[] = [];
  const deps = {
    runtime: {
      async getPid(id: string) {
        if (id === unknownId) throw new ContainerNotFoundError(id, "container not found");
        return 4242;
      },
    },
    runner: {
      async run(request: NamespaceProcessRequest) {
        runs.push(request);
        return { stdout: "", stderr: "" };
      },
    },
  } as unknown as DaemonKindDeps;
  return { deps, runs };
}

describe("httpChaosDaemon", () => {
  it("ExecHTTPChaos runs the kind's command in the container's namespaces, logging the request and what ran", async () => {
    const { deps, runs } = fakeDeps();
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(httpChaosDaemon(deps), "execHTTPChaos", request, { logLines, headers: { "namespaced-name": "app/example" } });
    const argv = httpCommand;
    expect(runs).toEqual([expect.objectContaining({ pid: 4242, namespaces: httpNamespaces, argv })]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: "info", message: "ExecHTTPChaos", containerId, namespacedName: "app/example" }),
      expect.objectContaining({ level: "info", message: "HTTPChaos injected", pid: 4242, argv }),
    ]);
  });

  it("RecoverHTTPChaos runs the recover command in the same namespaces, logging the request and what ran", async () => {
    const { deps, runs } = fakeDeps();
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(httpChaosDaemon(deps), "recoverHTTPChaos", request, { logLines, headers: { "namespaced-name": "app/example" } });
    const argv = httpRecoverCommand;
    expect(runs).toEqual([expect.objectContaining({ pid: 4242, namespaces: httpNamespaces, argv })]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: "info", message: "RecoverHTTPChaos", containerId, namespacedName: "app/example" }),
      expect.objectContaining({ level: "info", message: "HTTPChaos recovered", pid: 4242, argv }),
    ]);
  });

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const { deps, runs } = fakeDeps();
    await expect(callDaemonHandler(httpChaosDaemon(deps), "execHTTPChaos", { ...request, containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(callDaemonHandler(httpChaosDaemon(deps), "recoverHTTPChaos", { ...request, containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    expect(runs).toEqual([]);
  });
});
