import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** An iptables backend: the kernel's nf_tables through the iptables-nft tools, or the legacy x_tables. */
export type IptablesBackend = "nf_tables" | "legacy";

/** The program names that drive one backend, for IPv4 and IPv6. */
export interface IptablesCommands {
  backend: IptablesBackend;
  iptables: string;
  save: string;
  restore: string;
  ip6tables: string;
  ip6save: string;
  ip6restore: string;
}

function onPath(program: string, path: string): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/**
 * The programs for a backend, by name: the suffixed ones (`iptables-nft-restore`,
 * `iptables-legacy-save`…) where they are installed, so the daemon never depends on which one the
 * image's `iptables` alternative points at; otherwise the plain names (a distribution with one backend).
 *
 * @example
 * iptablesCommands("nf_tables").restore // "iptables-nft-restore" on Debian
 */
export function iptablesCommands(backend: IptablesBackend, path: string = process.env["PATH"] ?? ""): IptablesCommands {
  const suffix = backend === "nf_tables" ? "nft" : "legacy";
  const pick = (base: string, tool = "") => {
    const suffixed = `${base}-${suffix}${tool}`;
    return onPath(suffixed, path) ? suffixed : `${base}${tool}`;
  };
  return {
    backend,
    iptables: pick("iptables"),
    save: pick("iptables", "-save"),
    restore: pick("iptables", "-restore"),
    ip6tables: pick("ip6tables"),
    ip6save: pick("ip6tables", "-save"),
    ip6restore: pick("ip6tables", "-restore"),
  };
}
