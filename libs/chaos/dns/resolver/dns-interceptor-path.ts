import { fileURLToPath } from "node:url";

/**
 * The path of the interceptor's built entry, `dns-interceptor-main.js`, beside this module in the
 * package's dist (what the daemon runs with node; dns-interceptor-main.ts says how to talk to it).
 * Loaded from its TypeScript source (tests through the `@faultline/source` condition), this module
 * still names the built file, `libs/chaos/dist/dns/resolver/dns-interceptor-main.js`: node runs
 * JavaScript, so `npx nx run @faultline/chaos:build` must have run.
 */
export function dnsInterceptorMainPath(): string {
  const here = import.meta.url;
  const built = here.endsWith(".ts") ? new URL("../../dist/dns/resolver/dns-interceptor-main.js", here) : new URL("./dns-interceptor-main.js", here);
  return fileURLToPath(built);
}
