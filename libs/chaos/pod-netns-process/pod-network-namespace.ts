import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { namespaceIdentity, type HostNamespaces } from "@faultline/daemon-server";

/**
 * The network namespace of the pod a container is in (device and inode of `<procRoot>/<pid>/ns/net`).
 * A container that has none any more is NotFound; one in the node's or the daemon's own namespace
 * (a hostNetwork pod) is refused with FailedPrecondition, `why` saying what it would do there.
 */
export async function podNetworkNamespace(procRoot: string, host: HostNamespaces, containerId: string, pid: number, why: string): Promise<{ dev: number; ino: number }> {
  let netns: { dev: number; ino: number };
  let shared: string | undefined;
  try {
    netns = await namespaceIdentity(join(procRoot, String(pid), "ns", "net"));
    shared = await host.sharedWith(pid, "net");
  } catch (error) {
    throw new ConnectError(`container ${containerId} (pid ${pid}) has no network namespace any more: ${(error as Error).message}`, Code.NotFound);
  }
  if (shared !== undefined) {
    throw new ConnectError(`container ${containerId} (pid ${pid}) is in ${shared} (a hostNetwork pod, or the daemon itself): ${why}; refused`, Code.FailedPrecondition);
  }
  return { dev: netns.dev, ino: netns.ino };
}
