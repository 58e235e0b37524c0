import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ContainerRuntimeError,
  InvalidContainerIdError,
  RuntimeUnreachableError,
  UnknownRuntimeError,
} from "./container-runtime-error.js";

describe("ContainerRuntimeError subclasses", () => {
  test.each([
    [new InvalidContainerIdError("x", "bad"), "InvalidContainerId", "InvalidContainerIdError"],
    [new UnknownRuntimeError("x", "bad"), "UnknownRuntime", "UnknownRuntimeError"],
    [new ContainerNotFoundError("x"), "NotFound", "ContainerNotFoundError"],
    [new ContainerNotRunningError("x"), "NotRunning", "ContainerNotRunningError"],
    [new RuntimeUnreachableError("x", "/run/x.sock", "connection refused"), "RuntimeUnreachable", "RuntimeUnreachableError"],
  ] as const)("%s carries its reason, name and the container id", (error, reason, name) => {
    expect(error).toBeInstanceOf(ContainerRuntimeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.reason).toBe(reason);
    expect(error.name).toBe(name);
    expect(error.containerId).toBe("x");
  });

  test("default messages quote the id", () => {
    expect(new ContainerNotFoundError("docker://a").message).toBe('container "docker://a" not found');
    expect(new ContainerNotRunningError("docker://a").message).toBe('container "docker://a" is not running');
  });

  test("RuntimeUnreachableError names the socket", () => {
    const error = new RuntimeUnreachableError("x", "/run/x.sock", "connection refused (ECONNREFUSED)");
    expect(error.socketPath).toBe("/run/x.sock");
    expect(error.message).toBe("container runtime at /run/x.sock is unreachable: connection refused (ECONNREFUSED)");
  });
});
