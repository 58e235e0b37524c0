import { errorFields, type Logger } from "./logger.js";

/** Options of {@link installLastResortHandlers} and {@link lastResortHandlers}. */
export interface LastResortOptions {
  /** Where the handlers log, one structured line per event (the app's JSON logger). */
  logger: Logger;
  /** The process's name in log lines, e.g. `faultline-manager`. */
  component?: string;
  /** Ends the process after an uncaught exception. Default `process.exit`. */
  exit?: (code: number) => void;
  /** How long `beforeExit` may take before the process exits anyway. Default 2000 ms. */
  exitDelayMs?: number;
  /** Called (and awaited at most `exitDelayMs`) before exiting, e.g. to release the lease. */
  beforeExit?: () => void | Promise<void>;
}

/** The two process handlers, for {@link installLastResortHandlers} or a test to call directly. */
export interface LastResortHandlers {
  onUnhandledRejection: (reason: unknown) => void;
  onUncaughtException: (error: unknown, origin?: string) => void;
  /** How many unhandled rejections were logged (each one is a bug: a promise without an owner). */
  readonly unhandledRejections: number;
}

/**
 * The handlers behind {@link installLastResortHandlers}:
 * - an unhandled rejection is logged as an error (with the reason's message, name, HTTP status and
 *   system cause) and the process goes on. Every promise in Faultline has an owner, so one without
 *   is a bug to fix, but the work it belonged to is level-based: the next reconcile or resync of the
 *   object does it again. Ending the process would turn a lost result into a lost manager.
 * - an uncaught exception leaves the process in an unknown state (Node's own rule): it is logged as
 *   `fatal`, `beforeExit` runs, and the process exits with code 1 so its supervisor restarts it.
 */
export function lastResortHandlers(options: LastResortOptions): LastResortHandlers {
  const component = options.component ?? process.title;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const exitDelayMs = options.exitDelayMs ?? 2000;
  let rejections = 0;
  let exiting = false;
  return {
    get unhandledRejections() {
      return rejections;
    },
    onUnhandledRejection(reason) {
      rejections++;
      options.logger.error("unhandled promise rejection (a promise without an owner); the process goes on", {
        component,
        lastResort: "unhandledRejection",
        ...errorFields(reason),
        ...(reason instanceof Error && reason.stack !== undefined && { stack: reason.stack }),
      });
    },
    onUncaughtException(error, origin) {
      options.logger.error("uncaught exception: the process state is unknown, exiting", {
        component,
        lastResort: origin ?? "uncaughtException",
        fatal: true,
        ...errorFields(error),
        ...(error instanceof Error && error.stack !== undefined && { stack: error.stack }),
      });
      if (exiting) return;
      exiting = true;
      const before = Promise.resolve()
        .then(() => options.beforeExit?.())
        .catch((failure: unknown) => options.logger.error("beforeExit failed", { component, ...errorFields(failure) }));
      // not unref'd: this timer keeps the process up until it exits, whatever else is running
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, exitDelayMs));
      void Promise.race([before, deadline]).then(() => exit(1));
    },
  };
}

/**
 * Installs the process's last-resort handlers for `unhandledRejection` and `uncaughtException`
 * (see {@link lastResortHandlers} for what each does), so that nothing ever ends the process with a
 * plain-text stack trace on stderr: every line is the app's structured log. Answers a function that
 * removes them again.
 *
 * @example
 * const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Console()] });
 * installLastResortHandlers({ logger, component: "faultline-manager", beforeExit: () => elector.stop() });
 */
export function installLastResortHandlers(options: LastResortOptions): () => void {
  const handlers = lastResortHandlers(options);
  const onRejection = (reason: unknown) => handlers.onUnhandledRejection(reason);
  const onException = (error: unknown, origin: string) => handlers.onUncaughtException(error, origin);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
