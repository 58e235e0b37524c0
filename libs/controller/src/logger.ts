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
