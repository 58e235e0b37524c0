import type { ChaosKindNames } from "./names.js";

/**
 * Adds a daemon-backed kind's RPC to the text of proto/pb/chaosdaemon.proto: the rpc at the end of
 * the ChaosDaemon service, after Chaos Mesh's RPCs and Faultline's own, and its request message at
 * the end of the file, each with its comment. Throws when the service is missing or already has
 * the RPC.
 *
 * @example
 * insertDaemonRpc(proto, chaosKindNames("DiskFillChaos"));
 * // … rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}
 * // … message ExecDiskFillChaosRequest { string container_id = 1; }
 */
export function insertDaemonRpc(proto: string, names: Pick<ChaosKindNames, "kind" | "rpc" | "request">): string {
  if (new RegExp(`\\brpc ${names.rpc}\\s*\\(`).test(proto)) {
    throw new Error(`chaosdaemon.proto already has rpc ${names.rpc}`);
  }
  if (new RegExp(`\\bmessage ${names.request}\\s*\\{`).test(proto)) {
    throw new Error(`chaosdaemon.proto already has message ${names.request}`);
  }
  const service = /^service ChaosDaemon \{\n/m.exec(proto);
  if (!service) throw new Error("chaosdaemon.proto has no `service ChaosDaemon {` block");
  const end = proto.indexOf("\n}\n", service.index);
  if (end < 0) throw new Error("chaosdaemon.proto: the ChaosDaemon service block is not closed by a `}` line");
  const rpc =
    `\n  // ${names.rpc} injects ${names.kind}'s fault: it runs the kind's command inside the\n` +
    `  // container's namespaces (Faultline's own RPC, served by libs/chaos's ${names.kind} handler).\n` +
    `  rpc ${names.rpc}(${names.request}) returns (google.protobuf.Empty) {}`;
  const message =
    `\n// ${names.request} names the target container by its runtime-prefixed id, for example\n` +
    `// "containerd://<64 hex>".\n` +
    `message ${names.request} {\n  string container_id = 1;\n}\n`;
  const withRpc = proto.slice(0, end) + rpc + proto.slice(end);
  return withRpc.endsWith("\n") ? withRpc + message : withRpc + "\n" + message;
}
