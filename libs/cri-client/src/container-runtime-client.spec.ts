// The client when no runtime answers: a missing socket, a socket that never answers, bad options.
// Nothing needs to run; the tests against a real containerd are container-runtime-client.integration.spec.ts.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContainerRuntimeClient } from "./container-runtime-client.js";
import { RuntimeUnreachableError } from "./container-runtime-error.js";

const unknownId = `containerd://${"0".repeat(64)}`;

describe("createContainerRuntimeClient when the runtime cannot be reached", () => {
  test("a socket path that does not exist fails fast, naming the path", async () => {
    const missing = `/nonexistent-${randomBytes(4).toString("hex")}/containerd.sock`;
    const offline = createContainerRuntimeClient({ sockets: { containerd: missing } });
    const started = Date.now();
    const error = await offline.getPid(unknownId).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RuntimeUnreachableError);
    expect(error).toMatchObject({ reason: "RuntimeUnreachable", socketPath: missing, containerId: unknownId });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain("ENOENT");
    await expect(offline.kill(unknownId)).rejects.toBeInstanceOf(RuntimeUnreachableError);
    offline.close();
  });

  describe("a socket that accepts but never answers", () => {
    const path = join(tmpdir(), `faultline-silent-${randomBytes(4).toString("hex")}.sock`);
    const connections = new Set<net.Socket>();
    const server = net.createServer((c) => connections.add(c));
    beforeAll(() => new Promise<void>((resolve) => server.listen(path, resolve)));
    afterAll(async () => {
      for (const c of connections) c.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(path, { force: true });
    });

    test("times out after timeoutMs as RuntimeUnreachableError", async () => {
      const client = createContainerRuntimeClient({ sockets: { containerd: path }, timeoutMs: 300 });
      const started = Date.now();
      const error = await client.getPid(unknownId).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(RuntimeUnreachableError);
      expect((error as Error).message).toBe(`container runtime at ${path} is unreachable: no answer within 300 ms`);
      client.close();
    });

    test("rejects with the caller's abort reason when the signal aborts", async () => {
      const client = createContainerRuntimeClient({ sockets: { containerd: path } });
      const controller = new AbortController();
      const reason = new Error("caller gave up");
      setTimeout(() => controller.abort(reason), 50);
      await expect(client.getPid(unknownId, { signal: controller.signal })).rejects.toBe(reason);
      client.close();
    });
  });

  test("timeoutMs must be positive", () => {
    expect(() => createContainerRuntimeClient({ timeoutMs: 0 })).toThrow(RangeError);
  });
});
