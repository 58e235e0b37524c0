import winston from "winston";

/**
 * What this library logs through: a winston logger (or anything with the same leveled methods).
 * Every component takes one as `logger` and adds its own fields (`component`, `key`, …) to each line.
 */
export type Logger = Pick<winston.Logger, "error" | "warn" | "info" | "debug">;

/** A logger that drops everything: the default when a component is given none. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}

/**
 * The fields a log line gives an error: its message, its name when it is not a plain `Error`, a
 * numeric HTTP status (`code`), and the system error under it (`cause`, e.g. `ECONNREFUSED` beneath
 * undici's "fetch failed"), so a JSON log tells an outage from a bug without reading stack traces.
 *
 * @example
 * logger.warn("lease request failed", { lease, ...errorFields(error) });
 * // {"level":"warn","message":"lease request failed","error":"fetch failed","cause":"ECONNREFUSED",…}
 */
export function errorFields(error: unknown): { error: string; errorName?: string; code?: number; cause?: string } {
  const fields: { error: string; errorName?: string; code?: number; cause?: string } = {
    error: error instanceof Error ? error.message : String(error),
  };
  if (error instanceof Error && error.name !== "Error") fields.errorName = error.name;
  const code = (error as { code?: unknown; statusCode?: unknown } | undefined)?.code ?? (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof code === "number") fields.code = code;
  // the innermost cause that says something: a system error code, else a message
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === "string") {
      fields.cause = c.code;
      break;
    }
    if (c.cause === undefined) {
      fields.cause = typeof c.message === "string" ? c.message : String(cause);
      break;
    }
    cause = c.cause;
  }
  return fields;
}
