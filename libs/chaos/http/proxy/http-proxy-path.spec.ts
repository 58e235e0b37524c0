import { describe, expect, it } from "@jest/globals";
import { httpProxyMainPath } from "./http-proxy-path.js";

describe("httpProxyMainPath", () => {
  it("names the built entry in the package's dist, also when loaded from the TypeScript source", () => {
    const path = httpProxyMainPath();
    expect(path).toMatch(/\/libs\/chaos\/dist\/http\/proxy\/http-proxy-main\.js$/);
    expect(path).not.toContain("file:");
  });
});
