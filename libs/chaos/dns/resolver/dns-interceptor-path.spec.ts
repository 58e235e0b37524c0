import { describe, expect, it } from "@jest/globals";
import { dnsInterceptorMainPath } from "./dns-interceptor-path.js";

describe("dnsInterceptorMainPath", () => {
  it("names the built entry in the package's dist, also when loaded from the TypeScript source", () => {
    const path = dnsInterceptorMainPath();
    expect(path).toMatch(/\/libs\/chaos\/dist\/dns\/resolver\/dns-interceptor-main\.js$/);
    expect(path).not.toContain("file:");
  });
});
