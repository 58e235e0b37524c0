// Integration test against the real containerd started by tools/runtime/setup.sh (CriPodFixture).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { NamespaceMode } from "@faultline/api/cri";
import { createContainerRuntimeClient } from "./container-runtime-client.js";
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  InvalidContainerIdError,
  RuntimeUnreachableError,
  UnknownRuntimeError,
} from "./container-runtime-error.js";
import { createCriRuntimeServiceClient } from "./cri-runtime-service-client.js";
import { pidFromCriVerboseInfo } from "./cri-verbose-info.js";
import { CriPodFixture, defaultTestContainerdSocket, eventually } from "@faultline/test-ground";

const socket = defaultTestContainerdSocket();
const pods = new CriPodFixture(socket);
const runtime = createContainerRuntimeClient({ sockets: { containerd: socket } });
const cri = createCriRuntimeServiceClient(socket);

afterAll(async () => {
  runtime.close();
  await pods.removeAll();
  pods.close();
});

const bare = (containerId: string) => containerId.slice(containerId.indexOf("://") + 3);
const unknownId = `containerd://${"0".repeat(64)}`;

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean).join(" ");
}

describe("createContainerRuntimeClient against containerd", () => {
  test("getPid returns the pid ContainerStatus reports, whose cmdline is the container's command", async () => {
    const { containerId } = await pods.startContainer({ name: "getpid" });
    const pid = await runtime.getPid(containerId);
    const status = await cri.containerStatus({ containerId: bare(containerId), verbose: true });
    expect(pid).toBe(pidFromCriVerboseInfo(status.info));
    // the container's init process: "runc init" for the moment between StartContainer's answer
    // and its exec of the command, then the command itself, under the same pid
    await eventually("the pid to run the container's command", async () => ((await cmdline(pid)) === "sleep 3600" ? true : undefined), 5000, 20);
  });

  test("killMany kills every container given, each answered alone: a live one killed, an unknown one NotFound, a bad id refused", async () => {
    const started = await Promise.all([pods.startContainer({ name: "many-a" }), pods.startContainer({ name: "many-b" })]);
    const report = await runtime.killMany([started[0].containerId, unknownId, "nonsense", started[1].containerId]);
    expect(report.outcomes.map((o) => o.containerId)).toEqual([started[0].containerId, unknownId, "nonsense", started[1].containerId]);
    expect(report.outcomes[0]!.error).toBeUndefined();
    expect(report.outcomes[1]!.error).toBeInstanceOf(ContainerNotFoundError);
    expect(report.outcomes[2]!.error).toBeInstanceOf(InvalidContainerIdError);
    expect(report.outcomes[3]!.error).toBeUndefined();
    for (const { pid } of started) {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
      expect(stat === undefined || /^\d+ \(.*\) [ZX] /.test(stat)).toBe(true);
    }
  });

  test("a warm pid cache: the running containers listed and their pids looked up once, then answered from /proc", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "warm" });
    const passes: { listed: number; lookedUp: number; errors: string[] }[] = [];
    const warm = createContainerRuntimeClient({ sockets: { containerd: socket, crio: "/nonexistent/crio.sock" }, warmPidCacheEveryMs: 50, onPidCacheWarmed: (p) => passes.push(p) });
    try {
      await eventually("a pass that found every running container cached", async () => (passes.some((p, i) => i > 0 && p.lookedUp === 0) ? true : undefined), 10_000, 20);
      expect(passes[0]!.errors).toEqual([]);
      expect(passes[0]!.lookedUp).toBeGreaterThanOrEqual(1);
      expect(passes[0]!.listed).toBeGreaterThanOrEqual(passes[0]!.lookedUp);
      expect(await warm.getPid(containerId)).toBe(pid);
      const { timings } = await warm.killMany([containerId]).then((r) => (r.outcomes[0]!.error ? Promise.reject(r.outcomes[0]!.error) : r));
      expect(timings.deathMs).toBeGreaterThanOrEqual(0);
    } finally {
      warm.close();
    }
  });

  test("kill SIGKILLs the container's init process; the runtime then sees it exit with 137", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "kill" });
    await runtime.kill(containerId);
    // the answer comes once the init process is dead (gone, or a zombie its shim is reaping); the
    // runtime records the exit a moment later
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    expect(stat === undefined || /^\d+ \(.*\) [ZX] /.test(stat)).toBe(true);
    const error = await eventually("the runtime to report the exit", () => runtime.getPid(containerId).then(() => undefined, (e: unknown) => e), 10_000, 50);
    expect(error).toBeInstanceOf(ContainerNotRunningError);
    expect((error as ContainerNotRunningError).containerId).toBe(containerId);
    expect((error as Error).message).toMatch(/CONTAINER_EXITED, exit code 137|its init process \d+ has exited/);
    await eventually("the runtime to record exit code 137", async () => {
      const { status } = await cri.containerStatus({ containerId: bare(containerId) });
      return status?.exitCode === 137 ? true : undefined;
    }, 10_000, 50);
    await expect(runtime.kill(containerId)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  test("a pid looked up before the container stopped is not handed out again", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "cached" });
    expect(await runtime.getPid(containerId)).toBe(pid);
    expect(await runtime.getPid(containerId)).toBe(pid); // from the cache: same live process
    await pods.stopContainer(containerId); // behind the client's back
    await expect(runtime.getPid(containerId)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  test("a container stopped by someone else is not running", async () => {
    const { containerId } = await pods.startContainer({ name: "stopped" });
    await pods.stopContainer(containerId);
    await expect(runtime.getPid(containerId)).rejects.toMatchObject({ reason: "NotRunning", containerId });
  });

  test("a container that was created but never started is not running", async () => {
    // the fixture only starts containers; create one more in a fixture sandbox by hand
    const { sandboxId } = await pods.startContainer({ name: "created-host" });
    const { status: sandbox } = await cri.podSandboxStatus({ podSandboxId: sandboxId });
    const { containerId } = await cri.createContainer({
      podSandboxId: sandboxId,
      sandboxConfig: { metadata: sandbox?.metadata, hostname: "" },
      config: {
        metadata: { name: `created-${randomBytes(4).toString("hex")}` },
        image: { image: "docker.io/library/busybox:latest" },
        command: ["sleep", "3600"],
        linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER } } },
      },
    });
    await expect(runtime.getPid(`containerd://${containerId}`)).rejects.toMatchObject({
      reason: "NotRunning",
      message: expect.stringContaining("CONTAINER_CREATED"),
    });
    await expect(runtime.kill(`containerd://${containerId}`)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  test("an unknown but valid id is not found, for getPid and kill", async () => {
    const error = await runtime.getPid(unknownId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerNotFoundError);
    expect(error).toMatchObject({ reason: "NotFound", containerId: unknownId });
    expect((error as Error).message).toContain(socket);
    await expect(runtime.kill(unknownId)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  test("a cri-o:// id goes to the crio socket: pointed at containerd (same CRI), it works", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "crio-route" });
    const crioId = `cri-o://${bare(containerId)}`;
    const crioOnly = createContainerRuntimeClient({ sockets: { crio: socket, containerd: "/nonexistent/containerd.sock" } });
    try {
      expect(await crioOnly.getPid(crioId)).toBe(pid);
      // and the containerd:// prefix really went elsewhere
      await expect(crioOnly.getPid(containerId)).rejects.toBeInstanceOf(RuntimeUnreachableError);
      await crioOnly.kill(crioId);
      await expect(eventually("the exit to be recorded", () => crioOnly.getPid(crioId).then(() => undefined, (e: unknown) => e), 10_000, 50)).resolves.toBeInstanceOf(ContainerNotRunningError);
    } finally {
      crioOnly.close();
    }
  });

  test("validates the id before any I/O", async () => {
    // every socket is missing: a RuntimeUnreachableError would mean the id reached a socket
    const offline = createContainerRuntimeClient({
      sockets: { containerd: "/nonexistent/a.sock", crio: "/nonexistent/b.sock", docker: "/nonexistent/c.sock" },
    });
    await expect(offline.getPid("containerd://x; rm -rf /")).rejects.toBeInstanceOf(InvalidContainerIdError);
    await expect(offline.kill("../../etc")).rejects.toBeInstanceOf(InvalidContainerIdError);
    await expect(offline.getPid(`podman://${"a".repeat(64)}`)).rejects.toBeInstanceOf(UnknownRuntimeError);
    offline.close();
  });

  test("close() then reuse opens the connection again", async () => {
    const own = createContainerRuntimeClient({ sockets: { containerd: socket } });
    await expect(own.getPid(unknownId)).rejects.toBeInstanceOf(ContainerNotFoundError);
    own.close();
    await expect(own.getPid(unknownId)).rejects.toBeInstanceOf(ContainerNotFoundError);
    own.close();
  });
});
