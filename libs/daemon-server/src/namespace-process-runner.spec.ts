import { NamespaceProcessRunner } from "./namespace-process-runner.js";

// The argv the runner builds, with nothing run; namespace-process-runner.integration.spec.ts runs it.
describe("NamespaceProcessRunner", () => {
  const runner = new NamespaceProcessRunner({ timeoutMs: 5_000 });

  describe("buildCommand", () => {
    it("builds nsenter's argv with one flag per namespace, the program after --", () => {
      expect(runner.buildCommand({ pid: 42, namespaces: ["mnt", "pid", "net"], argv: ["ps", "aux"] })).toEqual([
        "nsenter", "-t", "42", "-m", "-p", "-n", "--", "ps", "aux",
      ]);
    });

    it.each([0, -1, 1.5, Number.NaN, "12" as unknown as number])("rejects pid %p", (pid) => {
      expect(() => runner.buildCommand({ pid, namespaces: ["mnt"], argv: ["true"] })).toThrow(/pid must be a positive integer/);
    });

    it("rejects an empty argv, no namespaces, unknown namespaces and NUL bytes", () => {
      expect(() => runner.buildCommand({ pid: 1, namespaces: ["mnt"], argv: [] })).toThrow(/argv must name a program/);
      expect(() => runner.buildCommand({ pid: 1, namespaces: [], argv: ["true"] })).toThrow(/at least one namespace/);
      expect(() => runner.buildCommand({ pid: 1, namespaces: ["user" as "mnt"], argv: ["true"] })).toThrow(/unknown namespace "user"/);
      expect(() => runner.buildCommand({ pid: 1, namespaces: ["mnt"], argv: ["echo", "a\0b"] })).toThrow(/NUL/);
    });
  });
});
