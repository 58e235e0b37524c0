/** Runs argv arrays inside one target's network namespace (nsenter -t PID -n), on a named node. */
export interface TargetNetworkNamespace {
  /** The node's name, for errors that must say where they happened. */
  node: string;
  /** Runs a program in the namespace; rejects with NamespaceProcessError when it fails. `input` goes to its stdin. */
  run(argv: readonly string[], input?: string): Promise<{ stdout: string; stderr: string }>;
}
