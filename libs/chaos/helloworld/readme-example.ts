import { builtInChaosKinds } from "@faultline/chaos";
import { helloWorldChaos } from "@faultline/chaos/helloworld";
import { createChaosKindRegistry, registerDaemonHandlers, type ManagerKindDeps } from "@faultline/chaos-kind";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { NamespaceProcessRunner } from "@faultline/daemon-server";

/** What the apps do with the catalog's definitions: no line of either app names a kind. */
export function composeHelloWorld(managerDeps: ManagerKindDeps) {
  // HelloWorldChaos is one line of the catalog
  const listed = builtInChaosKinds.includes(helloWorldChaos);

  // the daemon serves every listed kind's RPCs
  const runtime = createContainerRuntimeClient();
  const daemonHandlers = registerDaemonHandlers(builtInChaosKinds, { runtime, runner: new NamespaceProcessRunner() });

  // the manager serves every listed kind
  const kinds = createChaosKindRegistry(builtInChaosKinds, managerDeps);

  return { listed, daemonHandlers, kinds, close: () => runtime.close() };
}
