import { truncateMessage } from "./truncate-message.js";

describe("truncateMessage", () => {
  it("leaves a message within the bound as it is", () => {
    expect(truncateMessage("short", 60)).toBe("short");
    expect(truncateMessage("x".repeat(60), 60)).toBe("x".repeat(60));
  });

  it.each([30, 60, 1024])("cuts a longer message to at most %d characters and says how many were cut", (max) => {
    const message = "y".repeat(70_000);
    const cut = truncateMessage(message, max);
    expect(cut.length).toBeLessThanOrEqual(max);
    const [, kept, count] = /^(y*)… \((\d+) more characters\)$/.exec(cut)!;
    expect(kept!.length + Number(count)).toBe(message.length);
  });

  it("is the doc comment's example", () => {
    expect(truncateMessage("x".repeat(100), 30)).toBe("xxxxxxx… (93 more characters)");
  });
});
