import type { KindField } from "./fields.js";
import type { ChaosKindNames } from "./names.js";

/** What a daemon-backed kind adds to the protocol besides its Exec RPC. */
export interface DaemonRpcOptions {
  /** Also a `Recover<Kind>` RPC, which removes what `Exec<Kind>` left in the container. */
  recover?: boolean;
  /** The spec's own fields both requests carry, after `container_id`. */
  fields?: readonly KindField[];
}

type RpcNames = Pick<ChaosKindNames, "kind" | "rpc" | "request" | "recoverRpc" | "recoverRequest">;

/** A request message: the container id, then the kind's fields, each with a comment. */
function requestMessage(name: string, comment: string, kind: string, fields: readonly KindField[]): string {
  const lines = [`\n// ${name} ${comment}`, `message ${name} {`, "  // The target container's runtime-prefixed id, for example \"containerd://<64 hex>\".", "  string container_id = 1;"];
  for (const field of fields) {
    lines.push(`  // ${kind}'s spec.${field.name}${field.optional ? " (the type's zero value when the spec leaves it out)" : ""}.`, `  ${field.protoLine}`);
  }
  lines.push("}\n");
  return lines.join("\n");
}

/**
 * Adds a daemon-backed kind's RPCs to the text of proto/pb/chaosdaemon.proto: `Exec<Kind>` (and,
 * with `recover`, `Recover<Kind>`) at the end of the ChaosDaemon service, after Chaos Mesh's RPCs
 * and Faultline's own, and their request messages at the end of the file, each with its comment;
 * the requests carry the container id and the kind's declared fields. Throws when the service is
 * missing or already has an RPC or message of these names.
 *
 * @example
 * insertDaemonRpc(proto, chaosKindNames("DiskFillChaos"), { recover: true, fields });
 * // … rpc ExecDiskFillChaos(ExecDiskFillChaosRequest) returns (google.protobuf.Empty) {}
 * // … rpc RecoverDiskFillChaos(RecoverDiskFillChaosRequest) returns (google.protobuf.Empty) {}
 * // … message ExecDiskFillChaosRequest { string container_id = 1; string size = 2; … }
 */
export function insertDaemonRpc(proto: string, names: RpcNames, options: DaemonRpcOptions = {}): string {
  const fields = options.fields ?? [];
  const rpcs = [{ rpc: names.rpc, request: names.request }];
  if (options.recover) rpcs.push({ rpc: names.recoverRpc, request: names.recoverRequest });
  for (const { rpc, request } of rpcs) {
    if (new RegExp(`\\brpc ${rpc}\\s*\\(`).test(proto)) throw new Error(`chaosdaemon.proto already has rpc ${rpc}`);
    if (new RegExp(`\\bmessage ${request}\\s*\\{`).test(proto)) throw new Error(`chaosdaemon.proto already has message ${request}`);
  }
  const service = /^service ChaosDaemon \{\n/m.exec(proto);
  if (!service) throw new Error("chaosdaemon.proto has no `service ChaosDaemon {` block");
  const end = proto.indexOf("\n}\n", service.index);
  if (end < 0) throw new Error("chaosdaemon.proto: the ChaosDaemon service block is not closed by a `}` line");
  let rpc =
    `\n  // ${names.rpc} injects ${names.kind}'s fault: it runs the kind's command inside the\n` +
    `  // container's namespaces (Faultline's own RPC, served by libs/chaos's ${names.kind} handler).\n` +
    `  rpc ${names.rpc}(${names.request}) returns (google.protobuf.Empty) {}`;
  if (options.recover) {
    rpc +=
      `\n  // ${names.recoverRpc} removes what ${names.rpc} left in the container (the manager calls\n` +
      `  // it when a ${names.kind} record is recovered).\n` +
      `  rpc ${names.recoverRpc}(${names.recoverRequest}) returns (google.protobuf.Empty) {}`;
  }
  const carries = fields.length > 0 ? `the target container and ${names.kind}'s spec fields` : "the target container";
  let messages = requestMessage(names.request, `is what ${names.rpc} needs: ${carries}.`, names.kind, fields);
  if (options.recover) messages += requestMessage(names.recoverRequest, `is what ${names.recoverRpc} needs: ${carries}.`, names.kind, fields);
  const withRpc = proto.slice(0, end) + rpc + proto.slice(end);
  return withRpc.endsWith("\n") ? withRpc + messages : withRpc + "\n" + messages;
}
