import { fileURLToPath } from "node:url";

/**
 * The path of the proxy's built entry, `http-proxy-main.js`, beside this module in the package's
 * dist (what the daemon runs with node; http-proxy-main.ts says how to talk to it). Loaded from its
 * TypeScript source (tests through the `@faultline/source` condition), this module still names the
 * built file, `libs/chaos/dist/http/proxy/http-proxy-main.js`: node runs JavaScript, so
 * `npx nx run @faultline/chaos:build` must have run.
 */
export function httpProxyMainPath(): string {
  const here = import.meta.url;
  const built = here.endsWith(".ts") ? new URL("../../dist/http/proxy/http-proxy-main.js", here) : new URL("./http-proxy-main.js", here);
  return fileURLToPath(built);
}
