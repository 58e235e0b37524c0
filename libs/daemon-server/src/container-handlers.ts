import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerAction_Action, type ContainerRequest } from "@faultline/api";
import type { ContainerRuntimeClient } from "@faultline/cri-client";
import type { DaemonHandlers } from "./daemon-handler-registry.js";
import { requestLogger } from "./request-context.js";
import { toConnectError } from "./rpc-error-codes.js";

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

/** Refuses a ContainerKillMany without ids or naming one twice: each container is killed once. */
function checkContainerIds(ids: readonly string[]): void {
  if (ids.length === 0) throw new ConnectError("ContainerKillMany: container_ids is empty", Code.InvalidArgument);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new ConnectError(`ContainerKillMany: container_ids names ${JSON.stringify(id.slice(0, 96))} twice`, Code.InvalidArgument);
    seen.add(id);
  }
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10;

/**
 * ContainerGetPid and ContainerKill, wire-compatible with Chaos Mesh daemons: the host pid of a
 * container's init process, and killing a container (PodChaos container-kill uses it). A request
 * whose `action` does not match the RPC is refused with InvalidArgument before anything runs.
 * ContainerKillMany (Faultline's own) kills many containers as one act (`ContainerRuntimeClient.killMany`),
 * answering each container as ContainerKill would have. Each kill's log line says where its time
 * went: finding the init process (`lookupMs`), signalling (`signalMs`), until dead (`deathMs`).
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
      const started = performance.now();
      const timings = await deps.runtime.kill(req.containerId, { signal: ctx.signal });
      requestLogger(ctx).info("ContainerKill: container killed", {
        lookupMs: roundMs(timings.lookupMs),
        signalMs: roundMs(timings.signalMs),
        deathMs: roundMs(timings.deathMs),
        handlerMs: roundMs(performance.now() - started),
        ...(timings.stillExiting && { stillExiting: true }),
      });
      return {};
    },
    async containerKillMany(req, ctx) {
      checkContainerIds(req.containerIds);
      const started = performance.now();
      const { outcomes, timings } = await deps.runtime.killMany(req.containerIds, { signal: ctx.signal });
      const results = outcomes.map(({ containerId, error }) => {
        if (error === undefined) return { containerId, code: 0, message: "" };
        const ce = toConnectError(error);
        return { containerId, code: ce.code, message: ce.rawMessage };
      });
      const failed = results.filter((r) => r.code !== 0);
      const stillExiting = outcomes.filter((o) => o.stillExiting).length;
      // one line for the whole call, naming every container killed (one line each cost ~3 ms per
      // container on a node busy with the kills' aftermath)
      requestLogger(ctx).info("ContainerKillMany: done", {
        killed: results.length - failed.length,
        containerIds: results.filter((r) => r.code === 0).map((r) => r.containerId.slice(0, 96)),
        failed: failed.length,
        ...(stillExiting > 0 && { stillExiting }),
        ...(failed.length > 0 && { failures: failed.slice(0, 10).map((r) => `${r.containerId.slice(0, 96)}: ${r.message}`) }),
        lookupMs: roundMs(timings.lookupMs),
        signalMs: roundMs(timings.signalMs),
        deathMs: roundMs(timings.deathMs),
        handlerMs: roundMs(performance.now() - started),
      });
      return { results };
    },
  };
}
