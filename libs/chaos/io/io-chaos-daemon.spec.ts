import { Code } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { ExecIOChaosRequestSchema, RecoverIOChaosRequestSchema } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError } from "@faultline/cri-client";
import { callDaemonHandler, type DaemonLogLine, type NamespaceProcessRequest } from "@faultline/daemon-server";
import { ioCommand, ioChaosDaemon, ioNamespaces, ioRecoverCommand } from "./io-chaos-daemon.js";

// The daemon handlers as the server calls them, without a server: a fake runtime and runner record
// what the handlers ask of them (the real ones are in io-chaos-daemon.integration.spec.ts).
const containerId = "containerd://" + "c".repeat(64);
const unknownId = "containerd://" + "0".repeat(64);
// a request as the manager sends it: the container and the spec's fields
const request = { containerId, volumePath: "volumePath-value" };

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

describe("ioChaosDaemon", () => {
  it("ExecIOChaos runs the kind's command, built from the request's fields, in the container's namespaces, logging the request and what ran", async () => {
    const { deps, runs } = fakeDeps();
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(ioChaosDaemon(deps), "execIOChaos", request, { logLines, headers: { "namespaced-name": "app/example" } });
    const argv = ioCommand(create(ExecIOChaosRequestSchema, request));
    expect(runs).toEqual([expect.objectContaining({ pid: 4242, namespaces: ioNamespaces, argv })]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: "info", message: "ExecIOChaos", containerId, namespacedName: "app/example", request }),
      expect.objectContaining({ level: "info", message: "IOChaos injected", pid: 4242, argv }),
    ]);
  });

  it("RecoverIOChaos runs the recover command, built from the request's fields, in the same namespaces, logging the request and what ran", async () => {
    const { deps, runs } = fakeDeps();
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(ioChaosDaemon(deps), "recoverIOChaos", request, { logLines, headers: { "namespaced-name": "app/example" } });
    const argv = ioRecoverCommand(create(RecoverIOChaosRequestSchema, request));
    expect(runs).toEqual([expect.objectContaining({ pid: 4242, namespaces: ioNamespaces, argv })]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: "info", message: "RecoverIOChaos", containerId, namespacedName: "app/example", request }),
      expect.objectContaining({ level: "info", message: "IOChaos recovered", pid: 4242, argv }),
    ]);
  });

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const { deps, runs } = fakeDeps();
    await expect(callDaemonHandler(ioChaosDaemon(deps), "execIOChaos", { ...request, containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(callDaemonHandler(ioChaosDaemon(deps), "recoverIOChaos", { ...request, containerId: unknownId })).rejects.toMatchObject({ code: Code.NotFound });
    expect(runs).toEqual([]);
  });
});
