/** Where a daemon listens: a TCP host and port, or a unix socket (local runs). */
export type DaemonAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/** The daemon's gRPC port, as in Chaos Mesh's chart. */
export const defaultDaemonPort = 31767;

/** Thrown for a static daemon address that is neither `host:port` nor `unix:/path`. */
export class InvalidDaemonAddressError extends Error {
  override name = "InvalidDaemonAddressError";
  constructor(readonly address: string) {
    super(`invalid daemon address ${JSON.stringify(address)}: expected host:port, [ipv6]:port or unix:/absolute/path`);
  }
}

/**
 * Parses a daemon address given in configuration: `host:port`, `[::1]:port` or `unix:/path`.
 *
 * @example
 * parseDaemonAddress("127.0.0.1:31767") // { kind: "tcp", host: "127.0.0.1", port: 31767 }
 * parseDaemonAddress("unix:/run/faultline/daemon.sock") // { kind: "unix", path: "/run/faultline/daemon.sock" }
 */
export function parseDaemonAddress(address: string): DaemonAddress {
  if (address.startsWith("unix:")) {
    const path = address.slice("unix:".length);
    if (!path.startsWith("/")) throw new InvalidDaemonAddressError(address);
    return { kind: "unix", path };
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new InvalidDaemonAddressError(address);
  return { kind: "tcp", host: match[1] ?? match[2]!, port };
}

/** The address as configuration writes it (the inverse of {@link parseDaemonAddress}); also the pool's key. */
export function formatDaemonAddress(address: DaemonAddress): string {
  if (address.kind === "unix") return `unix:${address.path}`;
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
