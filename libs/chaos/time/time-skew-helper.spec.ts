import {
  TimeSkewHelperError,
  checkTimeSkewEntries,
  defaultTimeSkewBinary,
  maxTimeSkewEntries,
  parseTimeSkewOutput,
  parseTimeSkewProbeLine,
  parseTimeSkewStateLine,
  timeSkewArgv,
  timeSkewKey,
  type TimeSkewEntry,
} from "./time-skew-helper.js";

const key = (c: string) => c.repeat(32);
const entry = (over: Partial<TimeSkewEntry> = {}): TimeSkewEntry => ({ key: key("a"), mask: 1, sec: -3600, nsec: 0, ...over });

describe("timeSkewKey", () => {
  it("is the first 16 bytes of sha256(uid) in hex", () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(timeSkewKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223");
    expect(timeSkewKey("")).toBe("e3b0c44298fc1c149afbf4c8996fb924");
    expect(timeSkewKey("uid-1")).not.toBe(timeSkewKey("uid-2"));
  });
});

describe("timeSkewArgv", () => {
  it("builds set with one --entry per entry, key:mask:sec:nsec, and the pids last", () => {
    expect(timeSkewArgv({ command: "set", pids: [10, 11], entries: [entry(), entry({ key: key("b"), mask: 3, sec: -1, nsec: -500000000 })] }, 3000)).toEqual([
      "set", "--timeout-ms", "3000",
      "--entry", `${key("a")}:1:-3600:0`,
      "--entry", `${key("b")}:3:-1:-500000000`,
      "10", "11",
    ]);
  });
  it("set with no entries is a restore; stopAfterStep is passed for the tests", () => {
    expect(timeSkewArgv({ command: "set", pids: [7], entries: [], stopAfterStep: 2 })).toEqual(["set", "--timeout-ms", "5000", "--stop-after-step", "2", "7"]);
  });
  it("status and probe", () => {
    expect(timeSkewArgv({ command: "status", pids: [1, 2] })).toEqual(["status", "--timeout-ms", "5000", "1", "2"]);
    expect(timeSkewArgv({ command: "probe", pid: 42 }, 100)).toEqual(["probe", "--timeout-ms", "100", "42"]);
  });
  it("refuses bad pids and timeouts, naming the field", () => {
    expect(() => timeSkewArgv({ command: "status", pids: [] })).toThrow("pids: at least one pid");
    expect(() => timeSkewArgv({ command: "status", pids: [1, 0] })).toThrow("pids[1]: want an integer in 1..4194304, got 0");
    expect(() => timeSkewArgv({ command: "status", pids: [1.5] })).toThrow("pids[0]");
    expect(() => timeSkewArgv({ command: "probe", pid: 4194305 })).toThrow("pids[0]");
    expect(() => timeSkewArgv({ command: "status", pids: [1] }, 0)).toThrow("timeoutMs: want an integer in 1..600000, got 0");
  });
});

describe("checkTimeSkewEntries", () => {
  const refused = (entries: TimeSkewEntry[], message: string) => {
    expect(() => checkTimeSkewEntries(entries)).toThrow(TimeSkewHelperError);
    expect(() => checkTimeSkewEntries(entries)).toThrow(message);
  };
  it("accepts the bounds", () => {
    expect(() => checkTimeSkewEntries([entry({ sec: 10_000_000_000, nsec: 999_999_999, mask: 0xffff }), entry({ key: key("b"), sec: -10_000_000_000, nsec: -999_999_999 })])).not.toThrow();
    expect(() => checkTimeSkewEntries([])).not.toThrow();
  });
  it("refuses each bad field by name", () => {
    refused([entry({ key: "A".repeat(32) })], "entries[0].key: want 32 lowercase hex digits");
    refused([entry({ key: key("a").slice(1) })], "entries[0].key");
    refused([entry(), entry()], `entries[1].key: ${key("a")} given twice`);
    refused([entry({ mask: 0 })], "entries[0].mask: want a non-zero integer with only bits 0..15");
    refused([entry({ mask: 0x10000 })], "entries[0].mask");
    refused([entry({ mask: 1.5 })], "entries[0].mask");
    refused([entry({ sec: 10_000_000_001 })], "entries[0].sec: want an integer with |sec| <= 10000000000");
    refused([entry({ sec: 0.5 })], "entries[0].sec");
    refused([entry({ nsec: 1e9 })], "entries[0].nsec: want an integer with |nsec| < 1000000000");
    refused([entry({ nsec: -1e9 })], "entries[0].nsec");
    refused(Array.from({ length: maxTimeSkewEntries + 1 }, (_, i) => entry({ key: i.toString(16).padStart(32, "0") })), "entries: at most 8 per process, got 9");
  });
  it("set refuses bad entries before any argv exists", () => {
    expect(() => timeSkewArgv({ command: "set", pids: [1], entries: [entry({ mask: 0 })] })).toThrow("entries[0].mask");
  });
});

describe("parsing the helper's JSON lines", () => {
  it("each state", () => {
    expect(parseTimeSkewStateLine('{"pid":1,"state":"clean","entries":[]}')).toEqual({ pid: 1, state: "clean" });
    expect(parseTimeSkewStateLine('{"pid":2,"state":"gone"}')).toEqual({ pid: 2, state: "gone" });
    expect(parseTimeSkewStateLine(`{"pid":3,"state":"skewed","entries":[{"key":"${key("c")}","mask":3,"sec":-1,"nsec":-5}]}`)).toEqual({
      pid: 3, state: "skewed", entries: [{ key: key("c"), mask: 3, sec: -1, nsec: -5 }],
    });
    expect(parseTimeSkewStateLine('{"pid":4,"state":"partial","entries":[]}')).toEqual({ pid: 4, state: "partial", entries: [] });
    expect(parseTimeSkewStateLine('{"pid":5,"state":"error","error":"no room \\"x\\""}')).toEqual({ pid: 5, state: "error", error: 'no room "x"' });
  });
  it("refuses what the helper never prints", () => {
    expect(() => parseTimeSkewStateLine("step 1")).toThrow("helper output is not JSON");
    expect(() => parseTimeSkewStateLine('{"state":"clean"}')).toThrow("no pid");
    expect(() => parseTimeSkewStateLine('{"pid":1,"state":"odd"}')).toThrow('unknown state "odd"');
    expect(() => parseTimeSkewStateLine('{"pid":1,"state":"skewed"}')).toThrow("has no entries");
    expect(() => parseTimeSkewStateLine('{"pid":1,"state":"skewed","entries":[{"key":"x"}]}')).toThrow("pid 1 entries[0]");
  });
  it("one line per pid, in argv order", () => {
    const out = '{"pid":1,"state":"clean","entries":[]}\n{"pid":2,"state":"gone"}\n';
    expect(parseTimeSkewOutput(out, [1, 2]).map((s) => s.state)).toEqual(["clean", "gone"]);
    expect(() => parseTimeSkewOutput(out, [1])).toThrow("helper printed 2 lines for 1 pids");
    expect(() => parseTimeSkewOutput(out, [2, 1])).toThrow("helper line 0 is for pid 1, not 2");
  });
  it("probe", () => {
    expect(parseTimeSkewProbeLine('{"pid":1,"ok":true}')).toEqual({ ok: true });
    expect(parseTimeSkewProbeLine('{"pid":1,"ok":false,"reason":"no such process"}')).toEqual({ ok: false, reason: "no such process" });
    expect(() => parseTimeSkewProbeLine('{"pid":1}')).toThrow("probe output has no ok");
  });
});

describe("defaultTimeSkewBinary", () => {
  it("is native/build/faultline-time-skew next to the module (from source: libs/chaos/time/native/build)", () => {
    expect(defaultTimeSkewBinary()).toMatch(/\/libs\/chaos\/time\/native\/build\/faultline-time-skew$/);
  });
});
