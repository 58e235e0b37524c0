import { InvalidContainerIdError, UnknownRuntimeError } from "./container-runtime-error.js";
import { quoteInput } from "./quote-input.js";

/** A container runtime this library can talk to, named as in Kubernetes container ids. */
export type RuntimeKind = "containerd" | "cri-o" | "docker";

/** A parsed, validated container id. */
export interface ContainerRef {
  /** The runtime named by the id's prefix. */
  runtime: RuntimeKind;
  /** The bare id: 64 lowercase hex characters, safe to put in a path or a request. */
  id: string;
  /** The id exactly as given, for example `containerd://<64 hex>`. */
  raw: string;
}

const runtimeKinds: readonly RuntimeKind[] = ["containerd", "cri-o", "docker"];
const containerIdPattern = /^(containerd|cri-o|docker):\/\/([0-9a-f]{64})$/;
const schemePattern = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Parses a Kubernetes container id (`status.containerStatuses[].containerID`) strictly:
 * `containerd://`, `cri-o://` or `docker://` followed by exactly 64 lowercase hex characters.
 * Anything else throws before any runtime is contacted, so ids from untrusted requests can never
 * reach a socket, a path or a command line.
 *
 * @throws {UnknownRuntimeError} the id looks like `<word>://...` with a runtime other than the three
 * @throws {InvalidContainerIdError} anything else that is not a valid id
 *
 * @example
 * parseContainerId("containerd://" + "a".repeat(64));
 * // → { runtime: "containerd", id: "aaa…a", raw: "containerd://aaa…a" }
 */
export function parseContainerId(raw: string): ContainerRef {
  if (typeof raw !== "string") {
    throw new InvalidContainerIdError(String(raw), `container id must be a string, got ${typeof raw}`);
  }
  const match = containerIdPattern.exec(raw);
  if (match) {
    return { runtime: match[1] as RuntimeKind, id: match[2] as string, raw };
  }
  const scheme = schemePattern.exec(raw)?.[1];
  if (scheme === undefined) {
    throw new InvalidContainerIdError(
      raw,
      `invalid container id ${quoteInput(raw)}: expected <runtime>://<64 lowercase hex> with runtime ${runtimeKinds.join(", ")}`,
    );
  }
  if (!(runtimeKinds as readonly string[]).includes(scheme)) {
    throw new UnknownRuntimeError(
      raw,
      `unknown container runtime ${quoteInput(scheme)} in container id ${quoteInput(raw)}: expected one of ${runtimeKinds.join(", ")}`,
    );
  }
  throw new InvalidContainerIdError(
    raw,
    `invalid container id ${quoteInput(raw)}: the part after "${scheme}://" must be 64 lowercase hex characters`,
  );
}
