import { readFileSync } from "node:fs";
import { chaosKindNames } from "./names.js";
import { insertDaemonRpc } from "./proto-file.js";

const proto = readFileSync(new URL("../../../../proto/pb/chaosdaemon.proto", import.meta.url), "utf8");
const names = chaosKindNames("DiskFillChaos");

describe("insertDaemonRpc", () => {
  const updated = insertDaemonRpc(proto, names);

  it("adds the rpc, with its comment, at the end of the ChaosDaemon service", () => {
    const service = updated.slice(updated.indexOf("service ChaosDaemon {"), updated.indexOf("\n}\n", updated.indexOf("service ChaosDaemon {")));
    expect(service.trimEnd().endsWith("rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}")).toBe(true);
    expect(service).toMatch(/\/\/ ExecDiskFillChaos injects DiskFillChaos's fault[^\n]*\n\s+\/\/[^\n]*\n\s+rpc ExecDiskFillChaos/);
  });

  it("adds the request message, with its comment, at the end of the file", () => {
    expect(updated.endsWith(
      '\n// ExecDiskFillChaosRequest names the target container by its runtime-prefixed id, for example\n// "containerd://<64 hex>".\nmessage ExecDiskFillChaosRequest {\n  string container_id = 1;\n}\n',
    )).toBe(true);
  });

  it("changes nothing else: only lines are added", () => {
    const added = updated.split("\n");
    const before = proto.split("\n");
    let i = 0;
    for (const line of added) if (line === before[i]) i++;
    expect(i).toBe(before.length);
    expect(added.length - before.length).toBe(9);
  });

  it("refuses an RPC or message the proto already has, and a proto without the service", () => {
    expect(() => insertDaemonRpc(updated, names)).toThrow("already has rpc ExecDiskFillChaos");
    expect(() => insertDaemonRpc(proto, chaosKindNames("HelloWorldChaos"))).toThrow("already has rpc ExecHelloWorldChaos");
    expect(() => insertDaemonRpc('syntax = "proto3";\n', names)).toThrow("no `service ChaosDaemon {` block");
  });
});
