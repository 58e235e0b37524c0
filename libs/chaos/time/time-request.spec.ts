import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChaosDaemon, TimeRequestSchema } from "@faultline/api";
import { TooManyOffsetsError, checkRecoverTimeRequest, checkSetTimeRequest, composedOffsets, maxComposedOffsets, sameEntries, withEntry, withoutEntry, type SkewEntry } from "./time-request.js";

const containerId = "containerd://" + "a".repeat(64);
const ok = { containerId, sec: -3600n, nsec: -5n, clkIdsMask: 1n, uid: "0b7c2f4e-1d2a-4c3b-9e8f-112233445566/ns/pod/app" };

/** The InvalidArgument a check threw, or undefined. */
function refusal(check: () => unknown): { code: Code; message: string } | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return { code: error.code, message: error.rawMessage };
  }
}

describe("TimeRequest on the wire", () => {
  // hand-written: Chaos Mesh's numbers and types (container_id=1 string, sec=2 int64, nsec=3 int64,
  // clk_ids_mask=4 uint64, uid=5 string, pod_container_name=6 string); int64, not zig-zag
  const bytes = [
    [0x0a, 0x01, 0x63], // container_id "c"
    [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // sec -1
    [0x18, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // nsec -5
    [0x20, 0x82, 0x04], // clk_ids_mask 0x202
    [0x2a, 0x01, 0x75], // uid "u"
    [0x32, 0x01, 0x70], // pod_container_name "p"
  ].flat();

  it("encodes Chaos Mesh's field numbers and types", () => {
    const message = create(TimeRequestSchema, { containerId: "c", sec: -1n, nsec: -5n, clkIdsMask: 0x202n, uid: "u", podContainerName: "p" });
    expect(Array.from(toBinary(TimeRequestSchema, message))).toEqual(bytes);
  });

  it("decodes them", () => {
    expect(fromBinary(TimeRequestSchema, new Uint8Array(bytes))).toMatchObject({ containerId: "c", sec: -1n, nsec: -5n, clkIdsMask: 0x202n, uid: "u", podContainerName: "p" });
  });

  it("is what SetTimeOffset and RecoverTimeOffset take, and both answer Empty", () => {
    expect(ChaosDaemon.method.setTimeOffset).toMatchObject({ name: "SetTimeOffset", input: { typeName: "pb.TimeRequest" }, output: { typeName: "google.protobuf.Empty" } });
    expect(ChaosDaemon.method.recoverTimeOffset).toMatchObject({ name: "RecoverTimeOffset", input: { typeName: "pb.TimeRequest" }, output: { typeName: "google.protobuf.Empty" } });
    expect(ChaosDaemon.method.listTimeChaos).toMatchObject({ name: "ListTimeChaos" });
  });
});

describe("checkSetTimeRequest", () => {
  it("accepts a valid request and gives its numbers", () => {
    expect(checkSetTimeRequest(ok)).toEqual({ sec: -3600, nsec: -5, mask: 1 });
    expect(checkSetTimeRequest({ ...ok, sec: 10_000_000_000n, nsec: 0n, clkIdsMask: 0x3ffn })).toEqual({ sec: 10_000_000_000, nsec: 0, mask: 0x3ff });
    expect(checkSetTimeRequest({ ...ok, sec: 0n, nsec: -999_999_999n })).toMatchObject({ sec: 0, nsec: -999_999_999 });
    expect(checkSetTimeRequest({ ...ok, uid: "x".repeat(512) })).toMatchObject({ sec: -3600 });
    // podContainerName: empty, or <podUID>:<container> as Chaos Mesh's manager sends it
    for (const podContainerName of ["", "0b7c2f4e-1d2a-4c3b-9e8f-112233445566:main", ":app-1"]) expect(checkSetTimeRequest({ ...ok, podContainerName })).toMatchObject({ sec: -3600 });
  });

  it.each([
    [{ containerId: "" }, /^containerId: a container id is required/],
    [{ containerId: "abc" }, /^containerId: "abc" is not a runtime-prefixed container id/],
    [{ containerId: "containerd://a b" }, /^containerId: /],
    [{ sec: 10_000_000_001n }, /^sec: 10000000001 is more than 10000000000 seconds away/],
    [{ sec: -10_000_000_001n }, /^sec: -10000000001 is more than/],
    [{ nsec: -1_000_000_000n }, /^nsec: -1000000000 is not within \(-10\^9, 10\^9\)/],
    [{ nsec: 1_000_000_000n, sec: 1n }, /^nsec: 1000000000 is not within/],
    [{ sec: -1n, nsec: 5n }, /^nsec: 5 has the other sign than sec -1/],
    [{ sec: 1n, nsec: -5n }, /^nsec: -5 has the other sign than sec 1/],
    [{ clkIdsMask: 0n }, /^clkIdsMask: no clock/],
    [{ clkIdsMask: 1n << 10n }, /^clkIdsMask: 0x400 has bits beyond 0\.\.9/],
    [{ clkIdsMask: (1n << 63n) | 1n }, /^clkIdsMask: 0x8000000000000001 has bits beyond/],
    [{ uid: "" }, /^uid: a uid is required/],
    [{ uid: "x".repeat(513) }, /^uid: is 513 characters long: at most 512/],
    [{ podContainerName: "main" }, /^podContainerName: "main" is not <podUID>:<container>/],
    [{ podContainerName: "uid:Main" }, /^podContainerName: "uid:Main" is not <podUID>:<container>/],
    [{ podContainerName: "uid:main\n{\"level\":\"error\"}" }, /^podContainerName: .* is not <podUID>:<container>/],
    [{ podContainerName: "a:b:c" }, /^podContainerName: /],
    [{ podContainerName: "u".repeat(510) + ":ab" }, /^podContainerName: is 513 characters long: at most 512/],
  ])("refuses %j with InvalidArgument naming the field", (change, message) => {
    const got = refusal(() => checkSetTimeRequest({ ...ok, ...change }));
    expect(got?.code).toBe(Code.InvalidArgument);
    expect(got?.message).toMatch(message);
  });

  it("RecoverTimeOffset needs only the container and the uid", () => {
    expect(refusal(() => checkRecoverTimeRequest({ containerId, uid: "u" }))).toBeUndefined();
    expect(refusal(() => checkRecoverTimeRequest({ containerId, uid: "" }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/^uid: /) });
    expect(refusal(() => checkRecoverTimeRequest({ containerId: "x", uid: "u" }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/^containerId: /) });
    expect(refusal(() => checkRecoverTimeRequest({ containerId, uid: "u", podContainerName: "no colon" }))).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/^podContainerName: /) });
  });
});

describe("composing offsets on one container", () => {
  const e = (key: string, sec: number, mask = 1, nsec = 0): SkewEntry => ({ key: key.padEnd(32, "0"), mask, sec, nsec });

  it("puts a new uid's entry beside the others and replaces the same uid's own", () => {
    const one = withEntry([], e("a", -3600));
    expect(one).toEqual([e("a", -3600)]);
    const two = withEntry(one, e("b", 60, 3));
    expect(two).toEqual([e("a", -3600), e("b", 60, 3)]);
    expect(withEntry(two, e("a", 10))).toEqual([e("b", 60, 3), e("a", 10)]);
    expect(sameEntries(withEntry(two, e("b", 60, 3)), two)).toBe(true);
  });

  it("sums the offsets per clock, only for the clocks an entry's mask names", () => {
    const sums = composedOffsets([e("a", -3600), e("b", 60, 0b11, 500), e("c", 1, 0b10)]);
    expect(sums.get(0)).toBe(-3540n * 1_000_000_000n + 500n);
    expect(sums.get(1)).toBe(61n * 1_000_000_000n + 500n);
    expect(sums.has(2)).toBe(false);
  });

  it("recovering one uid leaves the others, and an unknown uid changes nothing", () => {
    const three = [e("a", 1), e("b", 2), e("c", 3)];
    expect(withoutEntry(three, e("b", 0).key)).toEqual([e("a", 1), e("c", 3)]);
    expect(withoutEntry(three, e("z", 0).key)).toEqual(three);
  });

  it("refuses a ninth uid with a clear error, but lets the eight change theirs", () => {
    const eight = Array.from({ length: maxComposedOffsets }, (_, i) => e(String(i), i));
    expect(() => withEntry(eight, e("x", 1), "container c")).toThrow(TooManyOffsetsError);
    expect(() => withEntry(eight, e("x", 1), "container c")).toThrow(/^container c already carries 8 TimeChaos offsets: at most 8 compose on one container/);
    expect(withEntry(eight, e("3", 99))).toHaveLength(8);
  });
});
