import { AnswerDecoder, encodeCancel, encodeRun, FrameTooLargeError, maxRequestBytes } from "./spawn-helper-protocol.js";

// The byte layout both sides agree on (native/spawn-protocol.h); the helper itself is exercised by
// spawn-helper.integration.spec.ts.
const answer = (id: number, outcome: number, value: number, stdout: string, stderr: string): Buffer => {
  const out = Buffer.from(stdout);
  const err = Buffer.from(stderr);
  const header = Buffer.alloc(28);
  header.writeUInt32LE(24 + out.length + err.length, 0);
  header.writeUInt32LE(id, 4);
  header.writeUInt32LE(outcome, 8);
  header.writeInt32LE(value, 12);
  header.writeUInt32LE(1234, 16);
  header.writeUInt32LE(out.length, 20);
  header.writeUInt32LE(err.length, 24);
  return Buffer.concat([header, out, err]);
};

describe("encodeRun", () => {
  it("lays out length, type, id, limits, argc, input length, NUL-terminated argv and the input", () => {
    const frame = encodeRun({ id: 7, timeoutMs: 5000, maxOutputBytes: 1024, argv: ["nsenter", "-t", "1"], input: "ab" });
    const words = [0, 4, 8, 12, 16, 20, 24].map((at) => frame.readUInt32LE(at));
    expect(words).toEqual([frame.length - 4, 1, 7, 5000, 1024, 3, 2]);
    expect(frame.subarray(28).toString("latin1")).toBe(["nsenter", "-t", "1", "ab"].join("\u0000"));
  });

  it("marks no stdin with 0xffffffff and carries no input bytes", () => {
    const frame = encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: ["true"] });
    expect(frame.readUInt32LE(24)).toBe(0xffffffff);
    expect(frame.subarray(28).toString("latin1")).toBe("true\0");
  });

  it("counts the input in bytes, not characters", () => {
    const frame = encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: ["cat"], input: "é€" });
    expect(frame.readUInt32LE(24)).toBe(5);
  });

  it("refuses argv that cannot cross the pipe: empty, an empty program, NUL bytes, out-of-range numbers", () => {
    expect(() => encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: [] })).toThrow(/argv must name a program/);
    expect(() => encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: [""] })).toThrow(/argv must name a program/);
    expect(() => encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: ["echo", "a\0b"] })).toThrow(/NUL/);
    expect(() => encodeRun({ id: 1, timeoutMs: -1, maxOutputBytes: 1, argv: ["true"] })).toThrow(/timeoutMs must be a 32-bit/);
    expect(() => encodeRun({ id: 2 ** 32, timeoutMs: 1, maxOutputBytes: 1, argv: ["true"] })).toThrow(/id must be a 32-bit/);
  });

  it("refuses a frame larger than the helper takes, with an error of its own (the fallback runs it)", () => {
    expect(() => encodeRun({ id: 1, timeoutMs: 1, maxOutputBytes: 1, argv: ["cat"], input: "x".repeat(maxRequestBytes) })).toThrow(FrameTooLargeError);
  });
});

describe("encodeCancel", () => {
  it("is length 8, type 2, the id", () => {
    const frame = encodeCancel(9);
    expect([0, 4, 8].map((at) => frame.readUInt32LE(at))).toEqual([8, 2, 9]);
    expect(frame.length).toBe(12);
  });
});

describe("AnswerDecoder", () => {
  it("decodes answers split at every byte and answers glued together", () => {
    const bytes = Buffer.concat([answer(1, 0, 3, "out", "err"), answer(2, 1, 9, "", ""), answer(3, 2, 2, "", "")]);
    const decoder = new AnswerDecoder();
    const got = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    expect(got.map((a) => [a.id, a.outcome, a.value, a.durationUs, a.stdout.toString(), a.stderr.toString()])).toEqual([
      [1, "exited", 3, 1234, "out", "err"],
      [2, "signaled", 9, 1234, "", ""],
      [3, "spawn-failed", 2, 1234, "", ""],
    ]);
    expect(new AnswerDecoder().push(bytes)).toHaveLength(3);
  });

  it("names the three kills", () => {
    const decoder = new AnswerDecoder();
    expect(decoder.push(Buffer.concat([answer(1, 3, 0, "", ""), answer(2, 4, 0, "", ""), answer(3, 5, 0, "", "")])).map((a) => a.outcome)).toEqual(["timeout", "cancelled", "output-too-large"]);
  });

  it("throws on an unknown outcome, a short header and lengths that do not add up", () => {
    expect(() => new AnswerDecoder().push(answer(1, 6, 0, "", ""))).toThrow(/unknown outcome 6/);
    const short = Buffer.alloc(8);
    short.writeUInt32LE(4, 0);
    expect(() => new AnswerDecoder().push(short)).toThrow(/shorter than its header/);
    const bad = answer(1, 0, 0, "abc", "");
    bad.writeUInt32LE(2, 20);
    expect(() => new AnswerDecoder().push(bad)).toThrow(/do not add up/);
  });
});
