// Who may use the dashboard server. Kubeconfig mode holds the user's own credentials, so two
// checks keep others from borrowing them: the Host header must be the address the server listens
// on (a site that rebinds its DNS name to 127.0.0.1 sends its own name), and every `api/kube/*`
// request must carry the random session secret printed at start (other users of the workstation,
// and other sites in the browser, do not know it). Token mode holds nothing: the browser's bearer
// token is the only credential.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";

/** The header that carries the session secret (kubeconfig mode). */
export const sessionHeader = "x-faultline-session";

/** A new session secret: 32 random bytes, base64url (43 characters, safe in a URL). */
export function newSessionSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `sent` is the secret (compared in constant time). */
export function sessionMatches(sent: string | string[] | undefined, secret: string): boolean {
  if (typeof sent !== "string") return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

const loopbackAddresses = new BlockList();
loopbackAddresses.addSubnet("127.0.0.0", 8, "ipv4");
loopbackAddresses.addAddress("::1", "ipv6");

/**
 * Whether an address is a loopback one: `localhost`, 127.0.0.0/8 or ::1 in any IPv6 spelling
 * (`0:0:0:0:0:0:0:1`, `::ffff:127.0.0.1`). Other spellings that the system's resolver would take
 * (`0x7f000001`, `127.1`, `0`) are not addresses here, so they are not loopback.
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare.toLowerCase() === "localhost") return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return loopbackAddresses.check(bare, family === 4 ? "ipv4" : "ipv6");
}

/** `host:port` as it appears in a URL and a Host header (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, "");
  return `${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`;
}

/**
 * The Host headers a server listening on `host:port` answers: that address, and on loopback its
 * other loopback names (localhost, 127.0.0.1, [::1]), all lower case.
 */
export function allowedHosts(host: string, port: number): string[] {
  const names = isLoopback(host) ? [host, "localhost", "127.0.0.1", "::1"] : [host];
  return [...new Set(names.map((name) => hostPort(name, port).toLowerCase()))];
}

/** Whether a request's Host header is one of `allowed` (default ports are not implied: the dashboard has none). */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  return hostHeader !== undefined && allowed.includes(hostHeader.toLowerCase());
}

/** The token of an `Authorization: Bearer <token>` header; undefined for none or another scheme. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}
