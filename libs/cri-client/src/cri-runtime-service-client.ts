import { createClient, type Client } from "@connectrpc/connect";
import { RuntimeService } from "@faultline/api/cri";
import { createCriTransport } from "./cri-transport.js";

/**
 * The raw Kubernetes CRI v1 `RuntimeService` client over a runtime's unix socket (containerd or
 * CRI-O), for libraries that need more of the CRI than a pid or a kill. Errors are Connect's
 * `ConnectError`s, untranslated. The connection opens on the first call; once idle it does not
 * keep Node running, so there is nothing to close.
 *
 * @example
 * const cri = createCriRuntimeServiceClient("/run/containerd/containerd.sock");
 * const { runtimeName, runtimeVersion } = await cri.version({ version: "v1" });
 */
export function createCriRuntimeServiceClient(socketPath: string): Client<typeof RuntimeService> {
  return createClient(RuntimeService, createCriTransport(socketPath).transport);
}
