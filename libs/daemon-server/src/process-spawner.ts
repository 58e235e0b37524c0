/** One program to run to its end: argv (never a shell line), stdin, limits, cancellation. */
export interface SpawnRequest {
  /** The program (looked up in PATH when it has no slash) and its arguments. */
  file: string;
  args: readonly string[];
  /** Written to stdin, which is then closed; undefined: stdin is /dev/null. */
  input?: string;
  /** SIGKILL the process group after this long. */
  timeoutMs: number;
  /** SIGKILL the process group once stdout + stderr pass this many bytes. */
  maxOutputBytes: number;
  /** SIGKILL the process group when this aborts. */
  signal?: AbortSignal;
}

/** How a {@link SpawnRequest} ended; the output is what was captured up to then. */
export type SpawnOutcome = { stdout: Buffer; stderr: Buffer } & (
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: string }
  | { kind: "spawn-failed"; message: string }
  | { kind: "timeout" | "cancelled" | "output-too-large" }
);

/**
 * Starts processes for the {@link NamespaceProcessRunner}: each in a session of its own (a timeout or
 * a cancel kills what it started too), its output captured. `nodeProcessSpawner` uses Node's
 * child_process; `SpawnHelper` asks the small native faultline-spawn process, whose fork is cheap.
 */
export interface ProcessSpawner {
  spawn(request: SpawnRequest): Promise<SpawnOutcome>;
}
