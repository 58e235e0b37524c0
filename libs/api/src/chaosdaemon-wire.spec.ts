import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import {
  ChaosDaemon,
  ContainerAction_Action,
  ContainerRequestSchema,
  ContainerResponseSchema,
  ExecHelloWorldRequestSchema,
} from "./index.js";

// The bytes below are what Chaos Mesh 2.x's Go client puts on the wire for the same messages
// (field numbers and types from its chaosdaemon.proto), so a change here breaks compatibility.
describe("ChaosDaemon wire format", () => {
  // Chaos Mesh's RPCs this protocol implements: a new kind adds its RPCs without editing this list,
  // but none of these may be renamed or dropped.
  it("keeps Chaos Mesh's full method names", () => {
    expect(ChaosDaemon.typeName).toBe("pb.ChaosDaemon");
    const methods = Object.values(ChaosDaemon.method).map((m) => `/${ChaosDaemon.typeName}/${m.name}`);
    expect(methods).toEqual(
      expect.arrayContaining(["/pb.ChaosDaemon/ContainerGetPid", "/pb.ChaosDaemon/ContainerKill", "/pb.ChaosDaemon/ExecHelloWorldChaos"]),
    );
  });

  it("encodes ContainerRequest as action = 1 (message), container_id = 2 (string)", () => {
    const bytes = toBinary(
      ContainerRequestSchema,
      create(ContainerRequestSchema, { action: { action: ContainerAction_Action.GETPID }, containerId: "ab" }),
    );
    // 0x0a len=2 { 0x08 0x01 } 0x12 len=2 "ab"
    expect(Array.from(bytes)).toEqual([0x0a, 0x02, 0x08, 0x01, 0x12, 0x02, 0x61, 0x62]);
  });

  it("keeps KILL as the zero value of ContainerAction.Action", () => {
    expect(ContainerAction_Action.KILL).toBe(0);
    expect(ContainerAction_Action.GETPID).toBe(1);
  });

  it("encodes ContainerResponse.pid as uint32 field 1", () => {
    const bytes = toBinary(ContainerResponseSchema, create(ContainerResponseSchema, { pid: 300 }));
    expect(Array.from(bytes)).toEqual([0x08, 0xac, 0x02]);
    expect(fromBinary(ContainerResponseSchema, bytes).pid).toBe(300);
  });

  it("encodes ExecHelloWorldRequest.container_id as string field 1", () => {
    const bytes = toBinary(ExecHelloWorldRequestSchema, create(ExecHelloWorldRequestSchema, { containerId: "x" }));
    expect(Array.from(bytes)).toEqual([0x0a, 0x01, 0x78]);
  });
});
