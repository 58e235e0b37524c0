import { quoteInput } from "./quote-input.js";

describe("quoteInput", () => {
  test("JSON-quotes short input", () => {
    expect(quoteInput('a"b\n')).toBe('"a\\"b\\n"');
  });

  test("cuts long input to 100 characters and says how long it was", () => {
    const quoted = quoteInput("y".repeat(500));
    expect(quoted).toBe(`"${"y".repeat(100)}"… (500 chars)`);
  });
});
