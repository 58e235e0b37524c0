import { Writable } from "node:stream";
import winston from "winston";
import { lastResortHandlers } from "./last-resort-handlers.js";

/** A real winston JSON logger whose lines the test reads back, parsed. */
function jsonLogger() {
  const lines: Array<{ [key: string]: unknown }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as { [key: string]: unknown });
      done();
    },
  });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

const fetchFailed = () => new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }) });

describe("lastResortHandlers", () => {
  test("an unhandled rejection is one structured error line, and the process goes on", async () => {
    const { logger, lines } = jsonLogger();
    const exits: number[] = [];
    const handlers = lastResortHandlers({ logger, component: "faultline-manager", exit: (code) => exits.push(code), exitDelayMs: 20 });
    handlers.onUnhandledRejection(fetchFailed());
    await new Promise((r) => setTimeout(r, 60));
    expect(exits).toEqual([]);
    expect(handlers.unhandledRejections).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      component: "faultline-manager",
      lastResort: "unhandledRejection",
      error: "fetch failed",
      errorName: "TypeError",
      cause: "ECONNREFUSED",
    });
    expect(String(lines[0]!["stack"])).toContain("TypeError: fetch failed");
  });

  test("a rejection with something that is not an Error is logged as text", () => {
    const { logger, lines } = jsonLogger();
    lastResortHandlers({ logger, exit: () => undefined }).onUnhandledRejection("plain reason");
    expect(lines[0]).toMatchObject({ level: "error", error: "plain reason" });
  });

  test("an uncaught exception is logged as fatal, beforeExit runs, then the process exits with 1 once", async () => {
    const { logger, lines } = jsonLogger();
    const order: string[] = [];
    const handlers = lastResortHandlers({
      logger,
      exit: (code) => order.push(`exit ${code}`),
      beforeExit: async () => {
        await new Promise((r) => setTimeout(r, 10));
        order.push("beforeExit");
      },
      exitDelayMs: 1000,
    });
    handlers.onUncaughtException(new RangeError("bad state"), "uncaughtException");
    handlers.onUncaughtException(new RangeError("again"), "uncaughtException");
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(["beforeExit", "exit 1"]);
    expect(lines.map((l) => [l["level"], l["fatal"], l["error"], l["errorName"]])).toEqual([
      ["error", true, "bad state", "RangeError"],
      ["error", true, "again", "RangeError"],
    ]);
  });

  test("a beforeExit that hangs does not keep the process up past exitDelayMs", async () => {
    const { logger } = jsonLogger();
    const exits: number[] = [];
    const handlers = lastResortHandlers({ logger, exit: (code) => exits.push(code), beforeExit: () => new Promise(() => undefined), exitDelayMs: 30 });
    handlers.onUncaughtException(new Error("boom"));
    await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(exits).toEqual([1]);
  });
});
