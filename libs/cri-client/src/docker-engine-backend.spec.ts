// The docker:// backend, tested through createContainerRuntimeClient.
//
// No Docker engine exists on the machines these tests run on (containerd is the only runtime),
// so this test serves the two Engine API endpoints the backend uses from a small HTTP server on
// a unix socket, answering the way dockerd does: inspect → 200 with State.{Running,Pid,Status},
// unknown id → 404 {"message":"No such container: <id>"}, kill of a stopped container → 409
// {"message":"Cannot kill container: <id>: Container <id> is not running"}, kill → 204.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContainerRuntimeClient } from "./container-runtime-client.js";
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeUnreachableError } from "./container-runtime-error.js";

interface FakeContainer {
  running: boolean;
  pid: number;
}

const runningId = "a".repeat(64);
const exitedId = "b".repeat(64);
const unknownId = "c".repeat(64);
const noPidId = "d".repeat(64);
const brokenId = "e".repeat(64);
const slowId = "f".repeat(64);

const containers = new Map<string, FakeContainer>();
const requests: string[] = [];
const socketPath = join(tmpdir(), `faultline-fake-docker-${randomBytes(4).toString("hex")}.sock`);

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const engine = http.createServer((req, res) => {
  requests.push(`${req.method} ${req.url}`);
  const url = new URL(req.url ?? "/", "http://docker");
  const match = /^\/containers\/([^/]+)\/(json|kill)$/.exec(url.pathname);
  if (!match) return json(res, 404, { message: "page not found" });
  const [, id = "", action] = match;
  if (id === slowId) return; // never answers
  if (id === brokenId) return json(res, 500, { message: "devicemapper: Error running deviceCreate" });
  const container = containers.get(id);
  if (!container) return json(res, 404, { message: `No such container: ${id}` });
  if (action === "json" && req.method === "GET") {
    return json(res, 200, {
      Id: id,
      State: {
        Status: container.running ? "running" : "exited",
        Running: container.running,
        Paused: false,
        Pid: container.running ? container.pid : 0,
        ExitCode: container.running ? 0 : 137,
      },
    });
  }
  if (action === "kill" && req.method === "POST") {
    if (!container.running) {
      return json(res, 409, { message: `Cannot kill container: ${id}: Container ${id} is not running` });
    }
    container.running = false;
    res.writeHead(204).end();
    return;
  }
  json(res, 405, { message: "method not allowed" });
});

const docker = createContainerRuntimeClient({ sockets: { docker: socketPath }, timeoutMs: 300 });

beforeAll(() => new Promise<void>((resolve) => engine.listen(socketPath, resolve)));
beforeEach(() => {
  requests.length = 0;
  containers.clear();
  containers.set(runningId, { running: true, pid: 4321 });
  containers.set(exitedId, { running: false, pid: 0 });
  containers.set(noPidId, { running: true, pid: 0 });
});
afterAll(async () => {
  docker.close();
  engine.closeAllConnections();
  await new Promise((resolve) => engine.close(resolve));
  await rm(socketPath, { force: true });
});

describe("docker:// through the Docker Engine API", () => {
  test("getPid reads State.Pid of a running container", async () => {
    expect(await docker.getPid(`docker://${runningId}`)).toBe(4321);
    expect(requests).toEqual([`GET /containers/${runningId}/json`]);
  });

  test("kill sends SIGKILL; the container is then not running", async () => {
    await docker.kill(`docker://${runningId}`);
    expect(requests).toEqual([`POST /containers/${runningId}/kill?signal=SIGKILL`]);
    await expect(docker.getPid(`docker://${runningId}`)).rejects.toBeInstanceOf(ContainerNotRunningError);
    await expect(docker.kill(`docker://${runningId}`)).rejects.toMatchObject({
      reason: "NotRunning",
      message: expect.stringContaining("is not running"),
    });
  });

  test("State.Running false is NotRunning, naming the state", async () => {
    await expect(docker.getPid(`docker://${exitedId}`)).rejects.toMatchObject({
      reason: "NotRunning",
      containerId: `docker://${exitedId}`,
      message: expect.stringContaining('state "exited"'),
    });
  });

  test("404 No such container is NotFound, for getPid and kill", async () => {
    const error = await docker.getPid(`docker://${unknownId}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerNotFoundError);
    expect((error as Error).message).toContain(`No such container: ${unknownId}`);
    await expect(docker.kill(`docker://${unknownId}`)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  test("a running container without a pid is an error, not pid 0", async () => {
    await expect(docker.getPid(`docker://${noPidId}`)).rejects.toThrow(/running but gave no pid/);
  });

  test("other engine errors pass through with the engine's message", async () => {
    const error = await docker.getPid(`docker://${brokenId}`).catch((e: unknown) => e);
    expect(error).not.toHaveProperty("reason");
    expect((error as Error).message).toContain("HTTP 500: devicemapper: Error running deviceCreate");
  });

  test("an engine that does not answer in timeoutMs is unreachable", async () => {
    await expect(docker.getPid(`docker://${slowId}`)).rejects.toMatchObject({
      reason: "RuntimeUnreachable",
      message: `container runtime at ${socketPath} is unreachable: no answer within 300 ms`,
    });
  });

  test("the caller's abort signal wins over the timeout", async () => {
    const reason = new Error("shutting down");
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 20);
    await expect(docker.getPid(`docker://${slowId}`, { signal: controller.signal })).rejects.toBe(reason);
    const aborted = AbortSignal.abort(reason);
    await expect(docker.kill(`docker://${runningId}`, { signal: aborted })).rejects.toBe(reason);
    expect(containers.get(runningId)?.running).toBe(true);
  });

  test("a missing docker socket is unreachable, naming the path", async () => {
    const missing = join(tmpdir(), `faultline-no-docker-${randomBytes(4).toString("hex")}.sock`);
    const offline = createContainerRuntimeClient({ sockets: { docker: missing } });
    const error = await offline.getPid(`docker://${runningId}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeUnreachableError);
    expect((error as Error).message).toBe(`container runtime at ${missing} is unreachable: the socket does not exist (ENOENT)`);
    offline.close();
  });
});
