import { forwardedAnswerHeaders, isWatch } from "./kube-forwarding.js";

describe("isWatch", () => {
  it("a watch is ?watch=1 or ?watch=true, not watch=false or none", () => {
    expect(isWatch("api/v1/pods?watch=1&resourceVersion=5")).toBe(true);
    expect(isWatch("api/v1/pods?labelSelector=a&watch=true")).toBe(true);
    expect(isWatch("api/v1/pods?watch=false")).toBe(false);
    expect(isWatch("api/v1/pods?watch=0")).toBe(false);
    expect(isWatch("api/v1/pods")).toBe(false);
    expect(isWatch("api/v1/pods?fieldSelector=watch%3D1")).toBe(false);
  });
});

describe("forwardedAnswerHeaders", () => {
  it("passes the API's own types (JSON, YAML, protobuf, plain text) as they are, never cached", () => {
    for (const type of ["application/json", "application/json;charset=utf-8", "application/yaml", "application/vnd.kubernetes.protobuf", "application/vnd.kubernetes.protobuf;stream=watch", "application/merge-patch+json", "text/plain; charset=utf-8", "application/apply-patch+yaml"]) {
      expect([type, forwardedAnswerHeaders({ "content-type": type })]).toEqual([type, { "cache-control": "no-store", "content-type": type }]);
    }
  });

  it("anything else (a workload's HTML or script, no type at all) is a download, not sniffed", () => {
    for (const type of ["text/html", "text/html; charset=utf-8", "application/javascript", "image/svg+xml", "application/xhtml+xml", "text/plain-but-not", "application/jsonp", undefined]) {
      expect([type, forwardedAnswerHeaders(type === undefined ? {} : { "content-type": type })]).toEqual([
        type,
        { "cache-control": "no-store", ...(type === undefined ? {} : { "content-type": type }), "content-disposition": "attachment", "x-content-type-options": "nosniff" },
      ]);
    }
  });
});
