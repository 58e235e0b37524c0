import { isWatch } from "./kube-forwarding.js";

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
