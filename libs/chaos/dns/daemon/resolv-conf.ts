import { isIP } from "node:net";

/** The `nameserver` addresses of a resolv.conf, in order (what the pod's resolver asks). */
export function resolvConfNameservers(text: string): string[] {
  const servers: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!.replace(/%.*$/, "")) !== 0) servers.push(m[1]!);
  }
  return servers;
}

/**
 * resolv.conf with every `nameserver` line replaced by one `nameserver <server>` where the first
 * stood (or at the top when there was none); `search`, `options` and everything else kept as it was.
 */
export function withNameserver(text: string, server: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (/^\s*nameserver\s/.test(line)) {
      if (!placed) out.push(`nameserver ${server}`);
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (!placed) out.unshift(`nameserver ${server}`);
  const joined = out.join("\n");
  return joined.endsWith("\n") ? joined : `${joined}\n`;
}
