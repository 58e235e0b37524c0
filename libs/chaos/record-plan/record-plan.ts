import { create, toJson, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { NodeCapabilities } from "@faultline/api";
import { DaemonNotFoundError, RecordDecodeError } from "@faultline/daemon-client";
import { NamespaceProcessRunner, type NamespaceKind } from "@faultline/daemon-server";
import type { ChaosImplContext, RecordPlan } from "@faultline/impl-registry";

/**
 * The parts the kinds' `plan`s share (NetworkChaos, PodChaos, StressChaos, HelloWorldChaos, DNSChaos,
 * HTTPChaos, TimeChaos, IOChaos): reaching the record's target and its node's capabilities with
 * read-only calls (a target or a daemon that cannot be reached is a plan that says so, not an
 * error), the request as JSON, the nsenter prefix the daemon's runner puts before every command it
 * runs in a container's namespaces, and the plan of a record apply sends one daemon RPC for.
 */

/** What a plan needs of a decoded record: its node and that node's daemon. */
export interface PlanTarget {
  nodeName: string;
  daemon: { getNodeCapabilities(req: object, options: { signal: AbortSignal }): Promise<NodeCapabilities> };
}

/**
 * Runs `decode` (the decoder apply uses, or a step of it such as the container's id): a record whose
 * target does not decode (its pod or container not there or not started) gives the plan to return
 * instead, not capable with the decoder's reason. Any other error is thrown.
 */
export async function decodeForPlan<T>(decode: () => T | Promise<T>): Promise<{ target: T; plan?: undefined } | { plan: RecordPlan }> {
  try {
    return { target: await decode() };
  } catch (error) {
    if (error instanceof RecordDecodeError) return { plan: { capable: false, reason: error.message, steps: [] } };
    throw error;
  }
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

/** The one daemon RPC of a record's apply, as {@link oneDaemonStepPlan} shows it. */
export interface DaemonStep<C> {
  /** The record's node, named by the daemon's refusal. */
  nodeName: string;
  rpc: string;
  /** The request as {@link requestJson} shows it. */
  request: unknown;
  /** The daemon-side commands of the request: the daemon's own checks and builders (see {@link commandsOrRefusal}). */
  build: () => C;
  /** The commands as the step shows them: the argv the daemon runs and a note on them. */
  show: (commands: C) => { argv: string[][]; note: string };
}

/**
 * The plan of a record whose apply is one daemon RPC: not capable when `refusal` (the kind's own
 * check: the node's capability, the target) or else the daemon's checks refuse the request, with
 * that reason; one step, the RPC and its request, with the commands the daemon would run and a note
 * on them when they could be built.
 */
export function oneDaemonStepPlan<C>(refusal: string | undefined, step: DaemonStep<C>): RecordPlan {
  const built = commandsOrRefusal(step.nodeName, step.rpc, step.build);
  const reason = refusal ?? built.refusal;
  const daemonStep = { on: "daemon" as const, rpc: step.rpc, request: step.request };
  return {
    capable: reason === undefined,
    ...(reason !== undefined && { reason }),
    steps: [built.commands !== undefined ? { ...daemonStep, ...step.show(built.commands) } : daemonStep],
  };
}
