import { RecordDecodeError } from "@faultline/daemon-client";

/** gRPC's NOT_FOUND, as a daemon answers for a container its runtime no longer has. */
const grpcNotFound = 5;

/**
 * Whether a Recover failed because its target no longer exists: the record's pod is gone (the
 * decoder's PodNotFound), or the node's daemon answered NotFound for its container. Nothing of an
 * experiment survives in a target that is gone, so the pipeline counts such a record as recovered
 * instead of retrying it forever (and holding the object's deletion on its finalizer).
 */
export function isTargetGone(error: unknown): boolean {
  if (error instanceof RecordDecodeError) return error.reason === "PodNotFound";
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === "ConnectError" && code === grpcNotFound;
}
