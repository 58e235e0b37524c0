// The helper processes' shared lifecycle, its pure parts: arguments, strict config, log lines,
// reloads in order keeping the config in force on failure, the followed socket of the orphan check.
import { describe, expect, it } from "@jest/globals";
import { createReloader, followedSocketInode, helperLogLine, nonNegativeIntArg, parseConfigObject, parseHelperArgs, type HelperLog } from "./helper-process-main.js";

describe("parseHelperArgs", () => {
  const own = { port: { type: "string" as const } };
  const parseOwn = (values: Record<string, unknown>) => ({ port: nonNegativeIntArg("port", values["port"] as string | undefined, 0, 65535) });

  it("reads --config, the kind's default --host, --orphan-check-ms (2000) and the kind's own options", () => {
    expect(parseHelperArgs(["--config", "c.json", "--port", "53"], "127.0.0.1", own, parseOwn)).toEqual({ config: "c.json", host: "127.0.0.1", orphanCheckMs: 2000, port: 53 });
    expect(parseHelperArgs(["--config", "c.json", "--host", "0.0.0.0", "--orphan-check-ms", "0"], "127.0.0.1", own, parseOwn)).toMatchObject({ host: "0.0.0.0", orphanCheckMs: 0 });
  });

  it.each([
    [["--port", "53"], "--config <file.json> is required"],
    [["--config", "c.json", "--orphan-check-ms", "2s"], '--orphan-check-ms must be a non-negative integer, not "2s"'],
    [["--config", "c.json", "--port", "65536"], '--port must be an integer from 0 to 65535, not "65536"'],
    [["--config", "c.json", "--upstream", "x"], "Unknown option '--upstream'"],
    [["--config", "c.json", "extra"], "extra"],
  ])("refuses %j, naming why", (args, message) => {
    expect(() => parseHelperArgs(args, "127.0.0.1", own, parseOwn)).toThrow(message);
  });
});

describe("nonNegativeIntArg", () => {
  it("gives the fallback when absent and refuses what is not a safe integer", () => {
    expect(nonNegativeIntArg("n", undefined, 7)).toBe(7);
    expect(nonNegativeIntArg("n", "0", 7)).toBe(0);
    expect(() => nonNegativeIntArg("n", "1.5", 7)).toThrow('--n must be a non-negative integer, not "1.5"');
    expect(() => nonNegativeIntArg("n", "99999999999999999999", 7)).toThrow("--n must be a non-negative integer");
  });
});

describe("parseConfigObject", () => {
  it("gives the object and a fail naming the file", () => {
    const { value, fail } = parseConfigObject('{"a":1}', "c.json", ["a", "b"]);
    expect(value).toEqual({ a: 1 });
    expect(() => fail("a must be 2")).toThrow("config c.json: a must be 2");
  });

  it.each([
    ["{", "config c.json is not JSON: "],
    ["[]", "config c.json: must be an object { a, b }"],
    ["null", "config c.json: must be an object { a, b }"],
    ['{"a":1,"c":2}', 'config c.json: unknown field "c"'],
  ])("refuses %s", (text, message) => {
    expect(() => parseConfigObject(text, "c.json", ["a", "b"])).toThrow(message);
  });
});

describe("helperLogLine", () => {
  it("is one JSON line: time, level, event, then the fields", () => {
    expect(helperLogLine("warn", "reload-failed", { error: "x" }, new Date(0))).toBe('{"time":"1970-01-01T00:00:00.000Z","level":"warn","event":"reload-failed","error":"x"}\n');
  });
});

describe("createReloader", () => {
  const setUp = (configs: Array<number | Error>, apply: (next: number, inForce: number) => Promise<void> | void) => {
    const logged: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const log: HelperLog = (level, event, fields) => void logged.push([level, event, fields]);
    const reload = createReloader({
      read: () => {
        const next = configs.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      apply,
      inForce: 1,
      fields: (c) => ({ config: c }),
      keeping: "the config in force",
      log,
    });
    return { reload, logged };
  };

  it("logs reloaded with the new config, or reload-failed keeping the one in force (a bad file or one that cannot be applied)", async () => {
    const applied: Array<[number, number]> = [];
    const { reload, logged } = setUp([2, new Error("config c.json: bad"), 3, 4], (next, inForce) => {
      if (next === 3) throw new Error("cannot listen");
      applied.push([next, inForce]);
    });
    await reload();
    await reload();
    await reload();
    await reload();
    expect(logged).toEqual([
      ["info", "reloaded", { config: 2 }],
      ["warn", "reload-failed", { error: "config c.json: bad", keeping: "the config in force" }],
      ["warn", "reload-failed", { error: "cannot listen", keeping: "the config in force" }],
      ["info", "reloaded", { config: 4 }],
    ]);
    expect(applied).toEqual([
      [2, 1],
      [4, 2], // 3 failed: 2 stayed in force
    ]);
  });

  it("runs one reload at a time, in the order of the signals", async () => {
    const events: string[] = [];
    const { reload } = setUp([2, 3], async (next) => {
      events.push(`start ${next}`);
      await new Promise((r) => setTimeout(r, next === 2 ? 30 : 0));
      events.push(`end ${next}`);
    });
    void reload();
    await reload();
    expect(events).toEqual(["start 2", "end 2", "start 3", "end 3"]);
  });
});

describe("followedSocketInode", () => {
  it("looks the socket up once per port, again when the port changed or it was not found yet", () => {
    let port = 15080;
    const inodes: Record<number, string | undefined> = { 15080: undefined, 15081: "2" };
    const lookups: number[] = [];
    const inode = followedSocketInode(
      () => port,
      (p) => (lookups.push(p), inodes[p]),
    );
    expect(inode()).toBeUndefined();
    inodes[15080] = "1";
    expect(inode()).toBe("1");
    expect(inode()).toBe("1");
    port = 15081;
    expect(inode()).toBe("2");
    expect(lookups).toEqual([15080, 15080, 15081]);
  });
});
