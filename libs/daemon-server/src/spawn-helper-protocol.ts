// The frames between the daemon and faultline-spawn (native/spawn-protocol.h says the same in C:
// change both together). Every integer is a 32-bit little-endian word; every frame starts with the
// byte length of what follows it.

const requestRun = 1;
const requestCancel = 2;
/** input_len when stdin is /dev/null. */
const noInput = 0xffffffff;
/** The C side's MAX_REQUEST_BYTES: a larger frame ends the helper. */
export const maxRequestBytes = 64 * 1024 * 1024;
const answerHeaderBytes = 28;

/** A request larger than the helper takes ({@link maxRequestBytes}); the fallback runs it. */
export class FrameTooLargeError extends RangeError {
  constructor(readonly bytes: number) {
    super(`the request is ${bytes} bytes; faultline-spawn takes at most ${maxRequestBytes}`);
    this.name = "FrameTooLargeError";
  }
}

/** What a RUN frame carries. */
export interface RunFrame {
  id: number;
  timeoutMs: number;
  maxOutputBytes: number;
  argv: readonly string[];
  /** Written to stdin, then closed; undefined: stdin is /dev/null. */
  input?: string;
}

/** The outcome codes of an answer, as the C side numbers them. */
export const answerOutcomes = ["exited", "signaled", "spawn-failed", "timeout", "cancelled", "output-too-large"] as const;

/** One answer of the helper. */
export interface AnswerFrame {
  id: number;
  outcome: (typeof answerOutcomes)[number];
  /** The exit status (exited), the signal number (signaled), the errno (spawn-failed); else 0. */
  value: number;
  durationUs: number;
  stdout: Buffer;
  stderr: Buffer;
}

const u32 = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${what} must be a 32-bit unsigned integer, got ${n}`);
  return n;
};

/** A RUN frame; throws on argv entries with NUL bytes and on frames the helper would refuse. */
export function encodeRun(frame: RunFrame): Buffer {
  if (frame.argv.length === 0 || frame.argv[0] === "") throw new TypeError("argv must name a program");
  if (frame.argv.some((a) => a.includes("\0"))) throw new TypeError("argv entries must not contain NUL bytes");
  const strings = Buffer.from(frame.argv.map((a) => `${a}\0`).join(""), "utf8");
  const input = frame.input === undefined ? undefined : Buffer.from(frame.input, "utf8");
  const length = 24 + strings.length + (input?.length ?? 0);
  if (length > maxRequestBytes) throw new FrameTooLargeError(length);
  const header = Buffer.alloc(28);
  header.writeUInt32LE(length, 0);
  header.writeUInt32LE(requestRun, 4);
  header.writeUInt32LE(u32(frame.id, "id"), 8);
  header.writeUInt32LE(u32(frame.timeoutMs, "timeoutMs"), 12);
  header.writeUInt32LE(u32(frame.maxOutputBytes, "maxOutputBytes"), 16);
  header.writeUInt32LE(frame.argv.length, 20);
  header.writeUInt32LE(input === undefined ? noInput : input.length, 24);
  return Buffer.concat(input === undefined ? [header, strings] : [header, strings, input]);
}

/** A CANCEL frame: the helper SIGKILLs that run's process group (nothing, if it has ended). */
export function encodeCancel(id: number): Buffer {
  const frame = Buffer.alloc(12);
  frame.writeUInt32LE(8, 0);
  frame.writeUInt32LE(requestCancel, 4);
  frame.writeUInt32LE(u32(id, "id"), 8);
  return frame;
}

/** Splits the helper's stdout into answers, however the bytes arrive. */
export class AnswerDecoder {
  /** Bytes not yet part of a whole answer, in the order they came; joined only once an answer is whole. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The bytes the next answer needs (4 until its length word is known). */
  private needed = 4;

  /** The answers completed by `chunk`; throws on a frame that cannot be one. */
  push(chunk: Buffer): AnswerFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return [];
    let pending = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const answers: AnswerFrame[] = [];
    let at = 0;
    while (pending.length - at >= 4) {
      const length = pending.readUInt32LE(at);
      if (length < answerHeaderBytes - 4) throw new Error(`faultline-spawn sent a ${length}-byte answer, shorter than its header`);
      if (pending.length - at - 4 < length) break;
      const f = pending.subarray(at + 4, at + 4 + length);
      const outcome = answerOutcomes[f.readUInt32LE(4)];
      if (outcome === undefined) throw new Error(`faultline-spawn sent an unknown outcome ${f.readUInt32LE(4)}`);
      const stdoutLength = f.readUInt32LE(16);
      const stderrLength = f.readUInt32LE(20);
      if (24 + stdoutLength + stderrLength !== length) throw new Error("faultline-spawn sent an answer whose output lengths do not add up");
      answers.push({
        id: f.readUInt32LE(0),
        outcome,
        value: f.readInt32LE(8),
        durationUs: f.readUInt32LE(12),
        stdout: Buffer.from(f.subarray(24, 24 + stdoutLength)),
        stderr: Buffer.from(f.subarray(24 + stdoutLength, length)),
      });
      at += 4 + length;
    }
    pending = pending.subarray(at);
    this.chunks = pending.length === 0 ? [] : [pending];
    this.buffered = pending.length;
    this.needed = pending.length >= 4 ? 4 + pending.readUInt32LE(0) : 4;
    return answers;
  }
}
