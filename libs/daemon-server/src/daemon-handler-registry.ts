import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { ChaosDaemon } from "@faultline/api";
import type { UnaryMethodImpl } from "./unary-grpc-fast-path.js";

/** Handlers for some of the ChaosDaemon RPCs, as one chaos kind contributes them. */
export type DaemonHandlers = Partial<ServiceImpl<typeof ChaosDaemon>>;

/** The local (camelCase) name of a ChaosDaemon RPC, for example "execHelloWorldChaos". */
export type DaemonMethodName = keyof ServiceImpl<typeof ChaosDaemon>;

/**
 * The registry through which each chaos kind contributes its ChaosDaemon RPC handlers. An RPC can
 * have one owner only; RPCs nobody registered answer Unimplemented.
 *
 * @example
 * const registry = new DaemonHandlerRegistry()
 *   .register("container", containerHandlers({ runtime }))
 *   .register("helloworld", helloWorldDaemonHandlers({ runtime, runner }));
 */
export class DaemonHandlerRegistry {
  private readonly handlers = new Map<DaemonMethodName, { owner: string; handler: unknown }>();

  /** Adds the handlers of one owner (a chaos kind); throws if an RPC already has an owner. */
  register(owner: string, handlers: DaemonHandlers): this {
    const known = new Set(Object.values(ChaosDaemon.method).map((m) => m.localName));
    for (const [name, handler] of Object.entries(handlers)) {
      if (handler === undefined) continue;
      if (!known.has(name)) {
        throw new Error(`${owner}: ${name} is not an RPC of pb.ChaosDaemon`);
      }
      const existing = this.handlers.get(name as DaemonMethodName);
      if (existing) {
        throw new Error(`${owner}: ${name} is already registered by ${existing.owner}`);
      }
      this.handlers.set(name as DaemonMethodName, { owner, handler });
    }
    return this;
  }

  /** The RPCs that have a handler, with their owners, in protocol order. */
  registered(): { method: string; owner: string }[] {
    return Object.values(ChaosDaemon.method)
      .filter((m) => this.handlers.has(m.localName as DaemonMethodName))
      .map((m) => ({ method: m.name, owner: this.handlers.get(m.localName as DaemonMethodName)!.owner }));
  }

  /** The registered unary RPCs with their descriptors (what the server's unary fast path serves). */
  unaryMethods(): UnaryMethodImpl[] {
    return Object.values(ChaosDaemon.method).flatMap((method) => {
      const entry = this.handlers.get(method.localName as DaemonMethodName);
      return entry !== undefined && method.methodKind === "unary"
        ? [{ method, impl: entry.handler as UnaryMethodImpl["impl"] }]
        : [];
    });
  }

  /** Adds the ChaosDaemon service, with every registered handler, to a Connect router. */
  routes(router: ConnectRouter): void {
    const impl: Record<string, unknown> = {};
    for (const [name, { handler }] of this.handlers) impl[name] = handler;
    router.service(ChaosDaemon, impl as DaemonHandlers);
  }
}
