import { callDaemonHandler, type DaemonHandlers, type DaemonLogLine, requestLogger } from "@faultline/daemon-server";

/** A kind's daemon handler, as it would be registered with a DaemonHandlerRegistry. */
const handlers: DaemonHandlers = {
  async execHelloWorldChaos(req, ctx) {
    requestLogger(ctx).info("hello from the daemon");
    return {};
  },
};

/** The handler called as its unit test calls it: no server, no socket; answers what it logged. */
export async function callWithoutAServer(containerId: string): Promise<DaemonLogLine[]> {
  const logLines: DaemonLogLine[] = [];
  await callDaemonHandler(handlers, "execHelloWorldChaos", { containerId }, { logLines, headers: { "namespaced-name": "demo/example" } });
  return logLines; // [{ level: "info", message: "hello from the daemon", method, containerId, namespacedName }]
}
