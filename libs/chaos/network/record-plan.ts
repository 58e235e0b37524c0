import { create, toJson, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { NodeCapabilities } from "@faultline/api";
import { DaemonNotFoundError, RecordDecodeError } from "@faultline/daemon-client";
import { NamespaceProcessRunner, type NamespaceKind } from "@faultline/daemon-server";
import type { ChaosImplContext, RecordPlan } from "@faultline/impl-registry";

/**
 * The parts every `plan` of the network, DNS, HTTP, time and IO kinds shares: reaching the record's
 * target and its node's capabilities with read-only calls (a target or a daemon that cannot be
 * reached is a plan that says so, not an error), the request as JSON, and the nsenter prefix the
 * daemon's runner puts before every command it runs in a container's namespaces.
 */

/** What a plan needs of a decoded record: its node and that node's daemon. */
export interface PlanTarget {
  nodeName: string;
  daemon: { getNodeCapabilities(req: object, options: { signal: AbortSignal }): Promise<NodeCapabilities> };
}

/**
 * Decodes the record's target (`decode`, the decoder apply uses) and asks its node's capabilities
 * (`capabilitiesOf`, the same cache apply reads). A record that does not decode (its pod or container
 * not there, not started, no daemon on its node) or a daemon that does not answer gives the plan to
 * return: not capable, the reason naming the record or node.
 */
export async function reachForPlan<T extends PlanTarget>(
  ctx: ChaosImplContext,
  decode: () => Promise<T>,
  capabilitiesOf: (target: T, signal: AbortSignal) => Promise<NodeCapabilities>,
): Promise<{ target: T; caps: NodeCapabilities; plan?: undefined } | { plan: RecordPlan }> {
  let target: T;
  try {
    target = await decode();
  } catch (error) {
    if (error instanceof RecordDecodeError || error instanceof DaemonNotFoundError) return { plan: { capable: false, reason: error.message, steps: [] } };
    throw error;
  }
  try {
    return { target, caps: await capabilitiesOf(target, ctx.signal) };
  } catch (error) {
    ctx.signal.throwIfAborted();
    return { plan: { capable: false, reason: `the daemon of node ${target.nodeName} did not answer GetNodeCapabilities: ${(error as Error).message}`, steps: [] } };
  }
}

/** A request message as the plan shows it: `toJson` of the message apply sends. */
export function requestJson<D extends DescMessage>(schema: D, init: MessageInitShape<D>): unknown {
  return toJson(schema, create(schema, init));
}

/**
 * The placeholder for a host pid the daemon resolves at injection (from the container id, through
 * the container runtime): the manager does not know it.
 */
export function hostPidOf(what: string): string {
  return `<host pid of ${what}>`;
}

const runner = new NamespaceProcessRunner();

/**
 * The argv the daemon's runner executes for `argv` in the namespaces of the process `pid` (a
 * {@link hostPidOf} placeholder): `NamespaceProcessRunner.buildCommand`'s own, so the prefix is the
 * runner's (`nsenter -t <pid> -n -- …`, with the daemon's default nsenter path).
 */
export function inNamespacesArgv(pid: string, namespaces: readonly NamespaceKind[], argv: readonly string[]): string[] {
  // buildCommand validates a numeric pid; 1 stands in and is replaced by the placeholder
  const command = runner.buildCommand({ pid: 1, namespaces: [...namespaces], argv: [...argv] });
  const at = command.indexOf("-t") + 1;
  return [...command.slice(0, at), pid, ...command.slice(at + 1)];
}

/**
 * The daemon-side commands of a request (`build`: the daemon's own checks and builders), or, when
 * those checks refuse the request, the plan's answer: not capable, the daemon's refusal as reason,
 * the request still shown. So a plan shows what the daemon would answer, not an error.
 */
export function commandsOrRefusal<C>(nodeName: string, rpc: string, build: () => C): { commands: C; refusal?: undefined } | { commands?: undefined; refusal: string } {
  try {
    return { commands: build() };
  } catch (error) {
    return { refusal: `the daemon of node ${nodeName} would refuse ${rpc}: ${(error as Error).message}; nothing would be injected` };
  }
}
