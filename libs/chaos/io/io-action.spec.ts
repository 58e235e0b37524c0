import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApplyIOChaosRequestSchema, ApplyIOChaosResponseSchema, ChaosDaemon } from "@faultline/api";
import { checkIOAction, checkVolumePath, ioConfigLines, mergedIOActions, normalVolumePath, parseIOAction, parseIOActions, renderIOConfig, type IOChaosAction } from "./io-action.js";

/** The InvalidArgument a check threw (its message), or undefined. */
function refusal(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    expect(error.code).toBe(Code.InvalidArgument);
    return error.rawMessage;
  }
}

describe("ApplyIOChaos on the wire", () => {
  // hand-written: Chaos Mesh's numbers and types (actions=1 string, volume=2 string,
  // container_id=3 string, instance=4 int64, startTime=5 int64, enterNS=6 bool, instance_uid=7 string)
  const request = [
    [0x0a, 0x02, 0x5b, 0x5d], // actions "[]"
    [0x12, 0x02, 0x2f, 0x64], // volume "/d"
    [0x1a, 0x01, 0x63], // container_id "c"
    [0x20, 0xd2, 0x09], // instance 1234
    [0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // startTime -1
    [0x30, 0x01], // enterNS true
    [0x3a, 0x01, 0x75], // instance_uid "u"
  ].flat();
  // instance=1 int64, startTime=2 int64, instance_uid=3 string
  const response = [[0x08, 0x2a], [0x10, 0xe8, 0x07], [0x1a, 0x01, 0x75]].flat();

  it("encodes and decodes the request with Chaos Mesh's field numbers and types", () => {
    const message = create(ApplyIOChaosRequestSchema, { actions: "[]", volume: "/d", containerId: "c", instance: 1234n, startTime: -1n, enterNs: true, instanceUid: "u" });
    expect(Array.from(toBinary(ApplyIOChaosRequestSchema, message))).toEqual(request);
    expect(fromBinary(ApplyIOChaosRequestSchema, new Uint8Array(request))).toMatchObject({ actions: "[]", volume: "/d", containerId: "c", instance: 1234n, startTime: -1n, enterNs: true, instanceUid: "u" });
  });

  it("encodes and decodes the response the same way", () => {
    expect(Array.from(toBinary(ApplyIOChaosResponseSchema, create(ApplyIOChaosResponseSchema, { instance: 42n, startTime: 1000n, instanceUid: "u" })))).toEqual(response);
    expect(fromBinary(ApplyIOChaosResponseSchema, new Uint8Array(response))).toMatchObject({ instance: 42n, startTime: 1000n, instanceUid: "u" });
  });

  it("is Chaos Mesh's method name, beside Faultline's three per-record RPCs", () => {
    expect(ChaosDaemon.method.applyIOChaos).toMatchObject({ name: "ApplyIOChaos", input: { typeName: "pb.ApplyIOChaosRequest" }, output: { typeName: "pb.ApplyIOChaosResponse" } });
    expect(ChaosDaemon.method.execIOChaos).toMatchObject({ name: "ExecIOChaos", output: { typeName: "google.protobuf.Empty" } });
    expect(ChaosDaemon.method.recoverIOChaos).toMatchObject({ name: "RecoverIOChaos", output: { typeName: "google.protobuf.Empty" } });
    expect(ChaosDaemon.method.listIOChaos).toMatchObject({ name: "ListIOChaos", output: { typeName: "pb.ListIOChaosResponse" } });
  });
});

describe("checkVolumePath", () => {
  it("accepts an absolute path below the root, and normalises slashes", () => {
    expect(refusal(() => checkVolumePath("/var/run/etcd"))).toBeUndefined();
    expect(normalVolumePath("//data//x/")).toBe("/data/x");
  });

  it.each([
    ["empty", "", /^volumePath: a volume path is required/],
    ["relative", "data", /^volumePath: "data" is not an absolute path/],
    ["the root", "/", /^volumePath: "\/" is the container's root/],
    ["the root in three slashes", "///", /^volumePath: "\/\/\/" is the container's root/],
    ["with ..", "/data/../etc", /^volumePath: .* has a \. or \.\. component/],
    ["with a TAB", "/da\tta", /^volumePath: holds a NUL, TAB or newline/],
    ["of 4097 characters", "/" + "a".repeat(4096), /^volumePath: is 4097 characters long/],
  ])("refuses a path %s, naming the field", (_what, path, message) => {
    expect(refusal(() => checkVolumePath(path))).toMatch(message);
  });
});

describe("checkIOAction", () => {
  it("accepts each of Chaos Mesh's action shapes, percent defaulting to 100", () => {
    expect(checkIOAction({ type: "latency", path: "/data/**", methods: ["read", "read", "write"], latency: "100ms", source: "app/x" })).toEqual({
      type: "latency",
      path: "/data/**",
      methods: ["read", "write"],
      percent: 100,
      latency: "100ms",
      source: "app/x",
    });
    expect(checkIOAction({ type: "fault", percent: 50, faults: [{ errno: 5, weight: 1 }] })).toEqual({ type: "fault", percent: 50, faults: [{ errno: 5, weight: 1 }] });
    expect(checkIOAction({ type: "attrOverride", perm: 72, atime: { sec: 1, nsec: 2 }, kind: "symlink" })).toEqual({ type: "attrOverride", percent: 100, perm: 72, atime: { sec: 1, nsec: 2 }, kind: "symlink" });
    expect(checkIOAction({ type: "mistake", mistake: { filling: "zero", maxOccurrences: 1, maxLength: 10 } })).toMatchObject({ mistake: { filling: "zero", maxOccurrences: 1, maxLength: 10 } });
    // Chaos Mesh's empty path and method list: every file, every method
    expect(checkIOAction({ type: "fault", path: "", methods: [], faults: [{ errno: 28, weight: 1 }] })).toEqual({ type: "fault", percent: 100, faults: [{ errno: 28, weight: 1 }] });
  });

  it.each([
    [[], /^action: must be a JSON object/],
    [{ type: "slow" }, /^action\.type: "slow" is not one of latency, fault, attrOverride, mistake/],
    [{ type: "latency" }, /^action\.latency: a latency action needs latency/],
    [{ type: "latency", latency: "100" }, /^action\.latency: "100" is not a Go duration/],
    [{ type: "latency", latency: "0s" }, /^action\.latency: "0s" is not positive/],
    [{ type: "latency", latency: "-1s" }, /^action\.latency: "-1s" is not positive/],
    [{ type: "latency", latency: "2h" }, /^action\.latency: "2h" is longer than 1h/],
    [{ type: "fault" }, /^action\.faults: a fault action needs at least one/],
    [{ type: "fault", faults: [{ errno: 0, weight: 1 }] }, /^action\.faults\[0\]\.errno: errno 0 is not a fault/],
    [{ type: "fault", faults: [{ errno: 5000, weight: 1 }] }, /^action\.faults\[0\]\.errno: 5000 is not an integer in 1\.\.4095/],
    [{ type: "fault", faults: [{ errno: 5, weight: 0 }] }, /^action\.faults: every weight is 0/],
    [{ type: "fault", faults: [{ errno: 5, weigth: 1 }] }, /^action\.faults\[0\]\.weigth: unknown field/],
    [{ type: "attrOverride" }, /^action: an attrOverride action needs at least one attr field/],
    [{ type: "attrOverride", perm: 70000 }, /^action\.perm: 70000 is not an integer in 0\.\.4095/],
    [{ type: "attrOverride", kind: "file" }, /^action\.kind: "file" is not one of namedPipe/],
    [{ type: "attrOverride", mtime: { sec: 1, nsec: 1e9 } }, /^action\.mtime\.nsec: 1000000000 is not an integer in 0\.\.999999999/],
    [{ type: "mistake" }, /^action\.mistake: a mistake action needs mistake/],
    [{ type: "mistake", mistake: { filling: "ones", maxOccurrences: 1, maxLength: 1 } }, /^action\.mistake\.filling: "ones" is not zero or random/],
    [{ type: "mistake", mistake: { filling: "zero", maxOccurrences: 0, maxLength: 1 } }, /^action\.mistake\.maxOccurrences: 0 is not an integer in 1\.\./],
    [{ type: "mistake", mistake: { filling: "zero", maxOccurrences: 1 } }, /^action\.mistake\.maxLength: undefined is not an integer/],
    [{ type: "fault", faults: [{ errno: 5, weight: 1 }], percent: 101 }, /^action\.percent: 101 is not an integer in 0\.\.100/],
    [{ type: "fault", faults: [{ errno: 5, weight: 1 }], methods: ["read", "seek"] }, /^action\.methods\[1\]: "seek" is not one of lookup/],
    [{ type: "fault", faults: [{ errno: 5, weight: 1 }], path: "data/*" }, /^action\.path: "data\/\*" is not absolute/],
    [{ type: "fault", faults: [{ errno: 5, weight: 1 }], path: "/a\tb" }, /^action\.path: holds a NUL, TAB or newline/],
    [{ type: "fault", faults: [{ errno: 5, weight: 1 }], volume: "/x" }, /^action\.volume: unknown field/],
  ])("refuses %j naming the field", (action, message) => {
    expect(refusal(() => checkIOAction(action))).toMatch(message);
  });

  it("parses ExecIOChaos's action and ApplyIOChaos's list, naming the element", () => {
    expect(parseIOAction('{"type":"fault","faults":[{"errno":5,"weight":1}]}')).toMatchObject({ type: "fault" });
    expect(refusal(() => parseIOAction(""))).toMatch(/^action: an action is required/);
    expect(refusal(() => parseIOAction("{"))).toMatch(/^action: is not JSON/);
    expect(parseIOActions("")).toEqual([]);
    expect(parseIOActions("null")).toEqual([]);
    expect(parseIOActions("[]")).toEqual([]);
    expect(refusal(() => parseIOActions('{"type":"fault"}'))).toMatch(/^actions: must be a JSON list/);
    expect(refusal(() => parseIOActions('[{"type":"latency","latency":"1ms"},{"type":"fault","faults":[]}]'))).toMatch(/^actions\[1\]\.faults: a fault action needs/);
    expect(refusal(() => parseIOActions(JSON.stringify(Array(65).fill({ type: "latency", latency: "1ms" }))))).toMatch(/^actions: 65 actions: at most 64/);
  });
});

describe("the server's config", () => {
  it("renders one TAB-separated line per action, each field name=value", () => {
    expect(ioConfigLines({ type: "latency", path: "/data/*", methods: ["read", "write"], percent: 50, latency: "1.5ms" })).toEqual(["kind=latency\tpath=/data/*\tmethods=read,write\tpercent=50\tdelay_ns=1500000"]);
    expect(ioConfigLines({ type: "fault", percent: 100, faults: [{ errno: 5, weight: 1 }] })).toEqual(["kind=fault\tpath=\tmethods=\tpercent=100\terrno=5"]);
    expect(ioConfigLines({ type: "attrOverride", percent: 100, ino: 7, mtime: { sec: -1, nsec: 5 }, kind: "directory", perm: 72, uid: 0 })).toEqual([
      "kind=attrOverride\tpath=\tmethods=\tpercent=100\tattr_ino=7\tattr_mtime_sec=-1\tattr_mtime_nsec=5\tattr_perm=72\tattr_uid=0\tattr_kind=directory",
    ]);
    expect(ioConfigLines({ type: "mistake", percent: 10, mistake: { filling: "random", maxOccurrences: 2, maxLength: 4 } })).toEqual([
      "kind=mistake\tpath=\tmethods=\tpercent=10\tfilling=random\tmax_occurrences=2\tmax_length=4",
    ]);
  });

  it("splits weighted errnos into lines whose percents, tried in order, give each its share", () => {
    // 60% overall, weights 1:2 → EIO 20%, ENOSPC 40%: the first line 20, the second 40/(1-0.2) = 50
    const lines = ioConfigLines({ type: "fault", percent: 60, faults: [{ errno: 5, weight: 1 }, { errno: 28, weight: 2 }, { errno: 1, weight: 0 }] });
    expect(lines).toEqual(["kind=fault\tpath=\tmethods=\tpercent=20\terrno=5", "kind=fault\tpath=\tmethods=\tpercent=50\terrno=28"]);
    // 100% overall, equal weights: 50, then every remaining one
    expect(ioConfigLines({ type: "fault", percent: 100, faults: [{ errno: 5, weight: 1 }, { errno: 28, weight: 1 }] }).map((l) => l.split("\t")[3])).toEqual(["percent=50", "percent=100"]);
  });

  it("merges ApplyIOChaos's set first, then the records by key, and renders nothing for none", () => {
    const a: IOChaosAction = { type: "latency", percent: 100, latency: "1ms" };
    const b: IOChaosAction = { type: "fault", percent: 100, faults: [{ errno: 5, weight: 1 }] };
    const c: IOChaosAction = { type: "fault", percent: 100, faults: [{ errno: 28, weight: 1 }] };
    expect(mergedIOActions([a], { "uid-2/ns/p/c": c, "uid-1/ns/p/c": b })).toEqual([a, b, c]);
    expect(renderIOConfig([])).toBe("");
    expect(renderIOConfig([a, b])).toBe("kind=latency\tpath=\tmethods=\tpercent=100\tdelay_ns=1000000\nkind=fault\tpath=\tmethods=\tpercent=100\terrno=5\n");
  });
});
