/** Node error codes that mean "nothing usable is listening on that socket". */
const unreachableErrnoCodes: Readonly<Record<string, string>> = {
  ENOENT: "the socket does not exist",
  ENOTDIR: "the socket path does not exist",
  ECONNREFUSED: "connection refused",
  ENOTSOCK: "the path is not a socket",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  ETIMEDOUT: "connection timed out",
};

/**
 * If `error` (or any error in its `cause` chain) is a socket-level failure that means the runtime
 * cannot be reached, describes it (for example "the socket does not exist (ENOENT)");
 * otherwise returns undefined.
 */
export function describeUnreachableCause(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  // not `instanceof Error`: Node's own errors may come from another realm (vm contexts, Jest)
  for (let e: unknown = error; typeof e === "object" && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code in unreachableErrnoCodes) {
      return `${unreachableErrnoCodes[code]} (${code})`;
    }
  }
  return undefined;
}
