import { describeUnreachableCause } from "./runtime-unreachable-cause.js";

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe("describeUnreachableCause", () => {
  test("describes a socket error", () => {
    expect(describeUnreachableCause(errno("ENOENT"))).toBe("the socket does not exist (ENOENT)");
  });

  test("finds the socket error deep in the cause chain", () => {
    const wrapped = new Error("outer", { cause: new Error("middle", { cause: errno("ECONNREFUSED") }) });
    expect(describeUnreachableCause(wrapped)).toBe("connection refused (ECONNREFUSED)");
  });

  test("ignores other errors, and survives a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(describeUnreachableCause(a)).toBeUndefined();
    expect(describeUnreachableCause(errno("EINVAL"))).toBeUndefined();
    expect(describeUnreachableCause("ENOENT")).toBeUndefined();
  });
});
