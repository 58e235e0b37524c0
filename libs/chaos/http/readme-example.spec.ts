import { readFileSync } from "node:fs";
import { followHttpPatchResponse } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("gives what the README says", () => {
    expect(followHttpPatchResponse()).toEqual({
      rules: [
        {
          target: "Response",
          selector: { port: 80, path: "/api" },
          actions: { patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } } },
          source: "nginx/http-patch-response",
          port: 80,
        },
      ],
      recordKey: "2f0c1e7a-uid/nginx/nginx-0",
      patched: ["/api", "/api?page=2"],
      answer: { code: 200, headers: [["Content-Type", "application/json"], ["Set-Cookie", "foo=bar"], ["Content-Length", "19"]], body: { foo: "bar", n: 1 } },
      refused: "rules[0].actions.replace.path: only a Request rule can replace the request's path, method or queries",
    });
  });
});
