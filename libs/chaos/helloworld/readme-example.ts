import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner } from "@faultline/daemon-server";
import { ChaosKindRegistry, createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator, type PodReader } from "@faultline/impl-registry";
import { helloWorldChaosKind, helloWorldDaemonHandlers } from "@faultline/chaos-helloworld";

/** What each app adds for HelloWorldChaos: one line in the daemon, one line in the manager. */
export function registerHelloWorld(pods: PodReader) {
  // in the daemon
  const runtime = createContainerRuntimeClient();
  const daemonHandlers = new DaemonHandlerRegistry().register(
    "helloworld",
    helloWorldDaemonHandlers({ runtime, runner: new NamespaceProcessRunner() }),
  );

  // in the manager
  const daemons = createDaemonClientPool({ locator: createStaticDaemonLocator("unix:/run/faultline/daemon.sock") });
  const kinds = new ChaosKindRegistry().register(helloWorldChaosKind({ decoder: createRecordDecoder({ pods, daemons }) }));

  return { daemonHandlers, kinds, close: () => (runtime.close(), daemons.close()) };
}
