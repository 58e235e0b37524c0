import { type ChaosKind, ChaosKindRegistry, inlineSelector } from "@faultline/impl-registry";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { createKubernetesPodSource } from "@faultline/selector";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/**
 * HelloWorldChaos's manager side as one kind descriptor: Apply runs `ps aux` in the record's
 * container through the daemon on the container's node; Recover has nothing to undo.
 * `daemonAddress` is a local-run override ("host:port" or "unix:/path"); in a cluster, use
 * createEndpointSliceDaemonLocator({ discovery, namespace }) instead.
 */
export function helloWorldRegistry(kubeConfig: KubeConfig, daemonAddress: string) {
  const daemons = createDaemonClientPool({ locator: createStaticDaemonLocator(daemonAddress) });
  const pods = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api)); // @faultline/selector's PodSource
  const decoder = createRecordDecoder({ pods, daemons });

  const helloWorld: ChaosKind = {
    kind: "HelloWorldChaos",
    plural: "helloworldchaos",
    oneShot: true,
    selectorKind: "container", // records are "ns/pod/container"
    selectors: inlineSelector, // spec.selector, spec.mode, spec.value, spec.containerNames
    impl: {
      async apply(ctx, index, records, obj) {
        const { containerId, daemon } = await decoder.decodeContainer(records[index]!.id, obj);
        await daemon.execHelloWorldChaos({ containerId }, { signal: ctx.signal }); // sends namespaced-name
        return "Injected";
      },
      async recover() {
        return "Not Injected";
      },
    },
  };

  return { kinds: new ChaosKindRegistry().register(helloWorld), close: () => daemons.close() };
}
