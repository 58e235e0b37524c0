import { create, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { createContextValues, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import { ChaosDaemon } from "@faultline/api";
import { Writable } from "node:stream";
import winston from "winston";
import type { DaemonHandlers, DaemonMethodName } from "./daemon-handler-registry.js";
import { requestLoggerKey } from "./request-context.js";
import { namespacedNameHeader } from "./request-interceptor.js";
import { toConnectError } from "./rpc-error-codes.js";

/** One line a handler logged, as `requestLogger(ctx)` wrote it: message, level and fields. */
export type DaemonLogLine = { [field: string]: unknown; level: string; message: unknown };

/** Options of {@link createDaemonHandlerContext} and {@link callDaemonHandler}. */
export interface DaemonHandlerContextOptions {
  /** The RPC, for example "execHelloWorldChaos"; default "execHelloWorldChaos". */
  method?: DaemonMethodName;
  /** The logger `requestLogger(ctx)` is a child of; default a logger that writes only to `logLines`. */
  logger?: winston.Logger;
  /** Where every line the handler logs is pushed (with `method`, `containerId`, `namespacedName`). */
  logLines?: DaemonLogLine[];
  /** The call's signal (a cancelled or timed-out RPC aborts it). */
  signal?: AbortSignal;
  /** Request headers, for example `{ "namespaced-name": "ns/name" }` as the manager sends it. */
  headers?: ConstructorParameters<typeof Headers>[0];
  /** The request's container id, carried by the request logger as the server's interceptor does. */
  containerId?: string;
}

/** A winston transport handing each line, as a plain object, to `write`. */
function objectTransport(write: (line: DaemonLogLine) => void) {
  const stream = new Writable({
    objectMode: true,
    write(info: object, _encoding, done) {
      write(Object.fromEntries(Object.entries(info)) as DaemonLogLine); // leaves winston's symbol keys out
      done();
    },
  });
  return new winston.transports.Stream({ stream });
}

/**
 * A Connect HandlerContext for calling a kind's DaemonHandlers outside the server, in unit tests:
 * `requestLogger(ctx)` works in it, as a child of `logger` carrying `method`, `containerId` and the
 * `namespaced-name` header as `namespacedName` (what the server's interceptor gives each RPC), and
 * every line it logs is also pushed into `logLines`.
 *
 * @example
 * const logLines: DaemonLogLine[] = [];
 * const ctx = createDaemonHandlerContext({ method: "execHelloWorldChaos", logLines, headers: { "namespaced-name": "ns/hello" } });
 * await handlers.execHelloWorldChaos!(create(ExecHelloWorldRequestSchema, { containerId }), ctx);
 */
export function createDaemonHandlerContext(options: DaemonHandlerContextOptions = {}): HandlerContext {
  const method = ChaosDaemon.method[options.method ?? "execHelloWorldChaos"];
  const requestHeader = new Headers(options.headers);
  const { logger, logLines } = options;
  let base: winston.Logger;
  if (logLines === undefined) {
    base = logger ?? winston.createLogger({ silent: true });
  } else {
    const transports = [objectTransport((line) => logLines.push(line))];
    if (logger) transports.push(objectTransport((line) => logger.log(line as winston.LogEntry)));
    base = winston.createLogger({ level: "silly", transports });
  }
  const namespacedName = requestHeader.get(namespacedNameHeader) ?? undefined;
  const requestLogger = base.child({
    method: method.name,
    ...(options.containerId !== undefined && { containerId: options.containerId }),
    ...(namespacedName !== undefined && { namespacedName }),
  });
  return createHandlerContext({
    service: ChaosDaemon,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `http://localhost/${ChaosDaemon.typeName}/${method.name}`,
    requestHeader,
    contextValues: createContextValues().set(requestLoggerKey, requestLogger),
    ...(options.signal && { requestSignal: options.signal }),
  });
}

type UnaryMethod<M extends DaemonMethodName> = (typeof ChaosDaemon.method)[M];

/**
 * Calls one of a kind's DaemonHandlers as the server would, without a server: builds the request
 * message from `request`, gives the handler a {@link createDaemonHandlerContext} context, and turns
 * a failure into the ConnectError the client would see (a runtime's NotFound is Code.NotFound, …).
 *
 * @example
 * const logLines: DaemonLogLine[] = [];
 * await callDaemonHandler(handlers, "execHelloWorldChaos", { containerId }, { logLines });
 */
export async function callDaemonHandler<M extends DaemonMethodName>(
  handlers: DaemonHandlers,
  method: M,
  request: MessageInitShape<UnaryMethod<M>["input"]>,
  options: Omit<DaemonHandlerContextOptions, "method"> = {},
): Promise<MessageShape<UnaryMethod<M>["output"]>> {
  const handler = handlers[method] as
    | ((req: unknown, ctx: HandlerContext) => Promise<MessageInitShape<UnaryMethod<M>["output"]>>)
    | undefined;
  if (!handler) throw new Error(`no handler for ${ChaosDaemon.method[method].name} among the handlers given`);
  const desc = ChaosDaemon.method[method];
  const message = create(desc.input, request as never);
  const containerId = (message as { containerId?: unknown }).containerId;
  const ctx = createDaemonHandlerContext({
    ...options,
    method,
    ...(options.containerId === undefined && typeof containerId === "string" && containerId !== "" && { containerId }),
  });
  try {
    return create(desc.output, (await handler(message, ctx)) as never) as MessageShape<UnaryMethod<M>["output"]>;
  } catch (error) {
    throw toConnectError(error);
  }
}
