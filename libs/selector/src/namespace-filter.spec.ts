import { injectAnnotation, isChaosEnabledNamespace } from "./namespace-filter.js";
import { namespace } from "./pod-fixtures.test-support.js";

describe("isChaosEnabledNamespace", () => {
  it("allows only namespaces annotated chaos-mesh.org/inject=enabled", () => {
    expect(injectAnnotation).toBe("chaos-mesh.org/inject");
    expect(isChaosEnabledNamespace(namespace("a", { "chaos-mesh.org/inject": "enabled" }))).toBe(true);
    expect(isChaosEnabledNamespace(namespace("a", { "chaos-mesh.org/inject": "true" }))).toBe(false);
    expect(isChaosEnabledNamespace(namespace("a"))).toBe(false);
    expect(isChaosEnabledNamespace(undefined)).toBe(false);
  });
});
