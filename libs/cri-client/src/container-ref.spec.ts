import { parseContainerId } from "./container-ref.js";
import {
  ContainerRuntimeError,
  InvalidContainerIdError,
  UnknownRuntimeError,
  type ContainerRuntimeErrorReason,
} from "./container-runtime-error.js";

const hex64 = "0123456789abcdef".repeat(4);

describe("parseContainerId", () => {
  test.each([
    ["containerd", `containerd://${hex64}`],
    ["cri-o", `cri-o://${hex64}`],
    ["docker", `docker://${hex64}`],
  ] as const)("accepts a %s id", (runtime, raw) => {
    expect(parseContainerId(raw)).toEqual({ runtime, id: hex64, raw });
  });

  test.each<[string, string, new (...args: never[]) => ContainerRuntimeError, ContainerRuntimeErrorReason]>([
    ["shell injection after the prefix", "containerd://x; rm -rf /", InvalidContainerIdError, "InvalidContainerId"],
    ["shell injection after a valid id", `containerd://${hex64}; rm -rf /`, InvalidContainerIdError, "InvalidContainerId"],
    ["a relative path", "../../etc", InvalidContainerIdError, "InvalidContainerId"],
    ["a path after the prefix", "containerd://../../etc/passwd", InvalidContainerIdError, "InvalidContainerId"],
    ["an empty id part", "containerd://", InvalidContainerIdError, "InvalidContainerId"],
    ["a bare id without prefix", hex64, InvalidContainerIdError, "InvalidContainerId"],
    ["the empty string", "", InvalidContainerIdError, "InvalidContainerId"],
    ["an unknown runtime", `podman://${hex64}`, UnknownRuntimeError, "UnknownRuntime"],
    ["an unknown runtime with a bad id", "rkt://x", UnknownRuntimeError, "UnknownRuntime"],
    ["an uppercase prefix", `CONTAINERD://${hex64}`, UnknownRuntimeError, "UnknownRuntime"],
    ["uppercase hex", `containerd://${hex64.toUpperCase()}`, InvalidContainerIdError, "InvalidContainerId"],
    ["63 hex characters", `containerd://${hex64.slice(1)}`, InvalidContainerIdError, "InvalidContainerId"],
    ["65 hex characters", `containerd://${hex64}a`, InvalidContainerIdError, "InvalidContainerId"],
    ["a trailing newline", `containerd://${hex64}\n`, InvalidContainerIdError, "InvalidContainerId"],
    ["leading whitespace", ` containerd://${hex64}`, InvalidContainerIdError, "InvalidContainerId"],
    ["a single slash", `containerd:/${hex64}`, InvalidContainerIdError, "InvalidContainerId"],
    ["a CRI-O id spelled crio", `crio://${hex64}`, UnknownRuntimeError, "UnknownRuntime"],
  ])("rejects %s", (_, raw, errorClass, reason) => {
    let thrown: unknown;
    try {
      parseContainerId(raw);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(errorClass);
    expect(thrown).toBeInstanceOf(ContainerRuntimeError);
    const error = thrown as ContainerRuntimeError;
    expect(error.reason).toBe(reason);
    expect(error.containerId).toBe(raw);
    expect(error.message).toContain(JSON.stringify(raw).slice(0, 60));
  });

  test("names the unknown runtime in the message", () => {
    expect(() => parseContainerId(`podman://${hex64}`)).toThrow(/unknown container runtime "podman"/);
  });

  test("keeps a hostile id visible but short in the message", () => {
    const raw = `containerd://${"\n".repeat(5)}${"x".repeat(10_000)}`;
    let message = "";
    try {
      parseContainerId(raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain("\n");
    expect(message).toContain("\\n\\n");
    expect(message.length).toBeLessThan(400);
  });

  test("rejects a non-string without throwing a TypeError", () => {
    expect(() => parseContainerId(undefined as unknown as string)).toThrow(InvalidContainerIdError);
  });
});
