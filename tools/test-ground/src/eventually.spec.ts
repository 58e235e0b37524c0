import { eventually } from "./eventually.js";

describe("eventually", () => {
  it("resolves with the first defined answer, treating errors as not yet", async () => {
    let calls = 0;
    const value = await eventually("the third call", async () => {
      calls++;
      if (calls === 1) throw new Error("not ready");
      return calls === 3 ? "done" : undefined;
    }, 1000, 1);
    expect(value).toBe("done");
    expect(calls).toBe(3);
  });

  it("rejects after the timeout, naming what it waited for and the last error", async () => {
    await expect(eventually("a pod", async () => Promise.reject(new Error("404")), 20, 5)).rejects.toThrow("timed out waiting for a pod: Error: 404");
  });
});
