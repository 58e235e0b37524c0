// The client certificate, key and CA the manager talks mTLS to the daemons with (--tls-cert, --tls-key, --tls-ca).
import { readFileSync } from "node:fs";
import { ManagerConfigError, type ManagerConfig } from "./manager-config.js";

/** The TLS files' contents, `undefined` without TLS; a file that cannot be read is a {@link ManagerConfigError} naming its flag. */
export function readDaemonTls(config: Pick<ManagerConfig, "tls">): { cert: Buffer; key: Buffer; ca: Buffer } | undefined {
  if (!config.tls) return undefined;
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ManagerConfigError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read("--tls-cert", config.tls.certFile), key: read("--tls-key", config.tls.keyFile), ca: read("--tls-ca", config.tls.caFile) };
}
