// Where the CLI reads and writes: the process's own streams in the binary, buffers in tests.

/** The terminal (or pipe) the CLI talks to. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** Reads one line typed by the user (a confirmation); undefined when stdin is not a terminal. */
  prompt?: (question: string) => Promise<string>;
  /** Whether stdin is a terminal (a prompt can be answered). */
  stdinIsTTY: boolean;
  /** Resolves when the user presses Ctrl-C (SIGINT): ends `--watch`. */
  interrupted: Promise<void>;
  /** Now, for timestamps (tests may fix it). */
  now?: () => Date;
  env: { [name: string]: string | undefined };
}

/** Exit codes, kubectl's: 0 ok, 1 a failure or a refusal, 2 a usage error. */
export const exitOk = 0;
export const exitFailure = 1;
export const exitUsage = 2;

/** An error the CLI prints as it is (one line on stderr) and ends with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitFailure,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage error: a wrong flag, a missing argument (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, exitUsage);
    this.name = "UsageError";
  }
}
