import { errorFields } from "./logger.js";

describe("errorFields", () => {
  test("undici's fetch failure: message, name and the system error code beneath it", () => {
    const error = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }) });
    expect(errorFields(error)).toEqual({ error: "fetch failed", errorName: "TypeError", cause: "ECONNREFUSED" });
  });

  test("an API error's numeric status is `code`; a cause without a code gives its message", () => {
    const error = Object.assign(new Error("HTTP-Code: 503", { cause: new Error("etcdserver: request timed out") }), { code: 503 });
    expect(errorFields(error)).toEqual({ error: "HTTP-Code: 503", code: 503, cause: "etcdserver: request timed out" });
  });

  test("a nested cause is followed to its system code; anything not an Error is its text", () => {
    const inner = Object.assign(new Error("timeout"), { code: "UND_ERR_CONNECT_TIMEOUT" });
    expect(errorFields(new Error("outer", { cause: new Error("middle", { cause: inner }) }))).toEqual({ error: "outer", cause: "UND_ERR_CONNECT_TIMEOUT" });
    expect(errorFields("just text")).toEqual({ error: "just text" });
  });
});
