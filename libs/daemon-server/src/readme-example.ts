import net from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import {
  DaemonHandlerRegistry,
  NamespaceProcessRunner,
  SpawnHelper,
  createDaemonLogger,
  createDaemonServer,
  requestLogger,
} from "@faultline/daemon-server";

/** Serves a tiny ExecHelloWorldChaos that runs `hostname` in a process's namespaces. */
export async function serveAndCall(socketPath: string, pid: number): Promise<string> {
  // processes started by faultline-spawn (the package ships it); without `spawner`, by Node's child_process
  const spawnHelper = new SpawnHelper();
  const runner = new NamespaceProcessRunner({ timeoutMs: 5_000, spawner: spawnHelper });
  let seen = "";
  const handlers = new DaemonHandlerRegistry().register("example", {
    async execHelloWorldChaos(req, ctx) {
      const { stdout } = await runner.run({ pid, namespaces: ["mnt", "uts"], argv: ["hostname"] });
      requestLogger(ctx).info("ran hostname", { output: stdout.trim() });
      seen = stdout.trim();
      return {};
    },
  });
  const server = createDaemonServer({ handlers, logger: createDaemonLogger() });
  await server.listen({ socketPath });
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socketPath) } }),
  );
  await client.execHelloWorldChaos({ containerId: "containerd://" + "0".repeat(64) }, { headers: { "namespaced-name": "demo/example" } });
  await server.close();
  await spawnHelper.close();
  return seen;
}
