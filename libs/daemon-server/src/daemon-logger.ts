import winston from "winston";

/** How log lines are written: one JSON object per line, or tab-separated text for people. */
export type DaemonLogFormat = "json" | "text";

/** Options for {@link createDaemonLogger}. */
export interface DaemonLoggerOptions {
  /** winston level; default "info". */
  level?: string;
  /** default "text". */
  format?: DaemonLogFormat;
  /** Where lines go; default process.stdout. */
  stream?: NodeJS.WritableStream;
  /** The logger's name, shown on every line; default "chaos-daemon-server". */
  name?: string;
}

const textLine = winston.format.printf((info) => {
  const { level, message, timestamp, logger, ...fields } = info as winston.Logform.TransformableInfo & {
    timestamp?: string;
    logger?: string;
  };
  const rest = Object.keys(fields).length > 0 ? `\t${JSON.stringify(fields)}` : "";
  return `${timestamp}\t${level.toUpperCase()}\t${logger ?? ""}\t${String(message)}${rest}`;
});

/**
 * The daemon's winston logger. Request handlers get a child of it that carries the method, the
 * container id and the caller's `namespaced-name` (see {@link requestLogger}); a child created
 * with `{ logger: "<name>" }` shows that name instead of the default.
 *
 * @example
 * const logger = createDaemonLogger({ format: "json" });
 * logger.info("listening", { port: 31767 });
 */
export function createDaemonLogger(options: DaemonLoggerOptions = {}): winston.Logger {
  // the name is filled in by a format, not defaultMeta, so that child loggers can override it
  const name = options.name ?? "chaos-daemon-server";
  const named = winston.format((info) => {
    info["logger"] ??= name;
    return info;
  })();
  // winston formats every line before its transport drops the ones under the level: a line no
  // transport writes is dropped first, so a debug line (or a process's whole output at info) costs
  // nothing to format when the level is warn; the level is read per line, so a changed level holds
  let logger: winston.Logger | undefined;
  const enabled = winston.format((info) => (logger === undefined || logger.isLevelEnabled(info.level) ? info : false))();
  const format =
    options.format === "json"
      ? winston.format.combine(enabled, named, winston.format.timestamp(), winston.format.json())
      : winston.format.combine(enabled, named, winston.format.timestamp(), textLine);
  logger = winston.createLogger({
    level: options.level ?? "info",
    format,
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
  return logger;
}
