import { PassThrough } from "node:stream";
import { createDaemonLogger } from "./daemon-logger.js";

describe("createDaemonLogger", () => {
  it.each(["json", "text"] as const)("does not format (%s) a line under its level, and writes it once the level allows", (format) => {
    const stream = new PassThrough();
    const written: string[] = [];
    stream.on("data", (chunk: Buffer) => written.push(chunk.toString()));
    let formatted = 0;
    // a field that counts how often it is turned into text
    const field = { toJSON: () => (formatted++, "process output"), toString: () => (formatted++, "process output") };
    const logger = createDaemonLogger({ level: "warn", format, stream });
    const child = logger.child({ method: "ExecHelloWorldChaos" });
    child.info("cmd output", { output: field });
    child.debug("rpc done", { output: field });
    expect(formatted).toBe(0);
    child.warn("shown", { output: field });
    expect(formatted).toBe(1);
    logger.level = "info";
    child.info("cmd output", { output: field });
    expect(formatted).toBe(2);
    expect(written.join("")).toContain("cmd output");
    expect(written.join("")).toContain("ExecHelloWorldChaos");
    expect(written.join("").split("\n").filter(Boolean)).toHaveLength(2);
  });
});
