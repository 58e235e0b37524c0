import { readFileSync } from "node:fs";
import { parseKindFields } from "./fields.js";
import { chaosKindNames } from "./names.js";
import { insertDaemonRpc } from "./proto-file.js";

const proto = readFileSync(new URL("../../../../proto/pb/chaosdaemon.proto", import.meta.url), "utf8");
const names = chaosKindNames("DiskFillChaos");
const serviceOf = (text: string) => text.slice(text.indexOf("service ChaosDaemon {"), text.indexOf("\n}\n", text.indexOf("service ChaosDaemon {")));
/** Whether `updated` is `original` with lines added only (none changed or removed), and how many. */
function linesAdded(original: string, updated: string): number {
  const before = original.split("\n");
  let i = 0;
  for (const line of updated.split("\n")) if (line === before[i]) i++;
  expect(i).toBe(before.length);
  return updated.split("\n").length - before.length;
}

describe("insertDaemonRpc", () => {
  const updated = insertDaemonRpc(proto, names);

  it("adds the rpc, with its comment, at the end of the ChaosDaemon service", () => {
    const service = serviceOf(updated);
    expect(service.trimEnd().endsWith("rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}")).toBe(true);
    expect(service).toMatch(/\/\/ ExecDiskFillChaos injects DiskFillChaos's fault[^\n]*\n\s+\/\/[^\n]*\n\s+rpc ExecDiskFillChaos/);
    expect(service).not.toContain("RecoverDiskFillChaos");
  });

  it("adds the request message, with its comment, at the end of the file", () => {
    expect(updated.endsWith(
      "\n// ExecDiskFillChaosRequest is what ExecDiskFillChaos needs: the target container.\nmessage ExecDiskFillChaosRequest {\n" +
        '  // The target container\'s runtime-prefixed id, for example "containerd://<64 hex>".\n  string container_id = 1;\n}\n',
    )).toBe(true);
  });

  it("changes nothing else: only lines are added", () => {
    // the rpc and its two comment lines; a blank line, the message's comment, its three lines and the id's comment
    expect(linesAdded(proto, updated)).toBe(3 + 6);
  });

  it("refuses an RPC or message the proto already has, and a proto without the service", () => {
    expect(() => insertDaemonRpc(updated, names)).toThrow("already has rpc ExecDiskFillChaos");
    expect(() => insertDaemonRpc(proto, chaosKindNames("HelloWorldChaos"))).toThrow("already has rpc ExecHelloWorldChaos");
    expect(() => insertDaemonRpc('syntax = "proto3";\n', names)).toThrow("no `service ChaosDaemon {` block");
  });
});

describe("insertDaemonRpc with --recover and declared fields", () => {
  const fields = parseKindFields(["size:string", "fillPath", "keep?:bool", "files:string[]", "blocks:uint32"], names.kind, [names.rpc, names.recoverRpc]);
  const updated = insertDaemonRpc(proto, names, { recover: true, fields });

  it("adds Exec and Recover at the end of the service, in that order, each with its comment", () => {
    const service = serviceOf(updated);
    expect(service.trimEnd()).toMatch(
      /rpc ExecDiskFillChaos\(ExecDiskFillChaosRequest\) returns \(google\.protobuf\.Empty\) \{\}\n\s+\/\/ RecoverDiskFillChaos removes what ExecDiskFillChaos left[^\n]*\n\s+\/\/[^\n]*\n\s+rpc RecoverDiskFillChaos\(RecoverDiskFillChaosRequest\) returns \(google\.protobuf\.Empty\) \{\}$/,
    );
  });

  it("gives both requests the container id and every field, numbered in order, in proto's spelling", () => {
    const body = ["string container_id = 1;", "string size = 2;", "string fill_path = 3;", "bool keep = 4;", "repeated string files = 5;", "uint32 blocks = 6;"];
    for (const message of ["ExecDiskFillChaosRequest", "RecoverDiskFillChaosRequest"]) {
      const start = updated.indexOf(`message ${message} {`);
      const text = updated.slice(start, updated.indexOf("\n}\n", start));
      expect(text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("//") && !l.startsWith("message"))).toEqual(body);
      expect(text).toContain("// DiskFillChaos's spec.keep (the type's zero value when the spec leaves it out).");
    }
    expect(updated.endsWith("  uint32 blocks = 6;\n}\n")).toBe(true);
  });

  it("only adds lines, and refuses a Recover RPC the proto already has", () => {
    // two rpcs with two comment lines each; two messages of a blank line, a comment, 4 lines and 5 fields with their comments
    expect(linesAdded(proto, updated)).toBe(2 * 3 + 2 * (6 + 5 * 2));
    const withRecover = proto.replace("service ChaosDaemon {\n", "service ChaosDaemon {\n  rpc RecoverDiskFillChaos(Empty) returns (Empty) {}\n");
    expect(() => insertDaemonRpc(withRecover, names, { recover: true })).toThrow("already has rpc RecoverDiskFillChaos");
    expect(() => insertDaemonRpc(withRecover, names)).not.toThrow();
  });
});
