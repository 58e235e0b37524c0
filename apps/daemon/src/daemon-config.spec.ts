import { DaemonConfigError, parseDaemonConfig } from "./daemon-config.js";

describe("parseDaemonConfig: --kubelet-path", () => {
  it("takes an absolute path, from the flag or the environment", () => {
    expect(parseDaemonConfig(["--kubelet-path", "/usr/bin/kubelet"], {})).toMatchObject({ kubeletPath: "/usr/bin/kubelet" });
    expect(parseDaemonConfig([], { FAULTLINE_DAEMON_KUBELET_PATH: "/opt/k8s/kubelet" })).toMatchObject({ kubeletPath: "/opt/k8s/kubelet" });
    expect(parseDaemonConfig([], {})).not.toHaveProperty("kubeletPath");
  });

  it.each(["kubelet", "/usr/bin/../../tmp/kubelet"])("refuses %j, naming the flag", (path) => {
    expect(() => parseDaemonConfig(["--kubelet-path", path], {})).toThrow(DaemonConfigError);
    expect(() => parseDaemonConfig(["--kubelet-path", path], {})).toThrow(/--kubelet-path must be an absolute path without '\.\.'/);
  });
});
