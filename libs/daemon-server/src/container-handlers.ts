import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerAction_Action, type ContainerRequest } from "@faultline/api";
import type { ContainerRuntimeClient } from "@faultline/cri-client";
import type { DaemonHandlers } from "./daemon-handler-registry.js";
import { requestLogger } from "./request-context.js";

/**
 * Refuses a request whose `action` names another RPC's action, as Chaos Mesh's daemon does, so a
 * ContainerKill that says GETPID never kills anything. A request without an `action` is the RPC's
 * own action (KILL is also proto3's default).
 */
function checkAction(req: ContainerRequest, expected: ContainerAction_Action, rpc: string): void {
  const action = req.action?.action;
  if (action !== undefined && action !== expected) {
    throw new ConnectError(
      `${rpc}: container action is ${ContainerAction_Action[action] ?? action}, not ${ContainerAction_Action[expected]}`,
      Code.InvalidArgument,
    );
  }
}

/**
 * ContainerGetPid and ContainerKill, wire-compatible with Chaos Mesh daemons: the host pid of a
 * container's init process, and killing a container (PodChaos container-kill uses it). A request
 * whose `action` does not match the RPC is refused with InvalidArgument before anything runs.
 */
export function containerHandlers(deps: { runtime: ContainerRuntimeClient }): DaemonHandlers {
  return {
    async containerGetPid(req, ctx) {
      checkAction(req, ContainerAction_Action.GETPID, "ContainerGetPid");
      const pid = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
      requestLogger(ctx).info("ContainerGetPid", { pid });
      return { pid };
    },
    async containerKill(req, ctx) {
      checkAction(req, ContainerAction_Action.KILL, "ContainerKill");
      await deps.runtime.kill(req.containerId, { signal: ctx.signal });
      requestLogger(ctx).info("ContainerKill: container killed");
      return {};
    },
  };
}
