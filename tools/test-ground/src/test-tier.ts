/**
 * Fails fast when a test of the unit tier (`FAULTLINE_TEST_TIER=unit`, `npm run test:unit`) reaches
 * for a real part: the unit tier must need nothing started, so a spec that does is misnamed and
 * belongs in a `*.integration.spec.ts` file. Every entry point of the test ground to a real part
 * (the local cluster, the private containerd, an app process) calls it first.
 */
export function requireRealParts(what: string): void {
  if (process.env["FAULTLINE_TEST_TIER"] === "unit") {
    throw new Error(
      `${what} is a real part, and FAULTLINE_TEST_TIER=unit runs only tests that need nothing started: ` +
        `name the spec that needs it *.integration.spec.ts`,
    );
  }
}
