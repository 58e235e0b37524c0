import type { ContainerRuntimeClient } from "@faultline/cri-client";
import type { DaemonHandlers } from "./daemon-handler-registry.js";
import { requestLogger } from "./request-context.js";

/**
 * ContainerGetPid and ContainerKill, wire-compatible with Chaos Mesh daemons: the host pid of a
 * container's init process, and killing a container (PodChaos container-kill uses it).
 */
export function containerHandlers(deps: { runtime: ContainerRuntimeClient }): DaemonHandlers {
  return {
    async containerGetPid(req, ctx) {
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      requestLogger(ctx).info("ContainerGetPid", { pid });
      return { pid };
    },
    async containerKill(req, ctx) {
      await deps.runtime.kill(req.containerId, { signal: ctx.signal });
      requestLogger(ctx).info("ContainerKill: container killed");
      return {};
    },
  };
}
