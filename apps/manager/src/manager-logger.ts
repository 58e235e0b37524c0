// The manager's logger: winston, text (tab-separated) or JSON lines, at the configured level.
import winston from "winston";
import type { ManagerConfig } from "./manager-config.js";

/** A console logger as `--log-format` and `--log-level` ask: `time\tLEVEL\tmessage\t{fields}` or JSON. */
export function createManagerLogger(config: Pick<ManagerConfig, "logLevel" | "logFormat">): winston.Logger {
  const text = winston.format.printf(({ level, message, timestamp, ...fields }) => {
    const rest = Object.keys(fields).length > 0 ? `\t${JSON.stringify(fields)}` : "";
    return `${String(timestamp)}\t${level.toUpperCase()}\t${String(message)}${rest}`;
  });
  return winston.createLogger({
    level: config.logLevel,
    format: winston.format.combine(winston.format.timestamp(), config.logFormat === "json" ? winston.format.json() : text),
    transports: [new winston.transports.Console()],
  });
}
