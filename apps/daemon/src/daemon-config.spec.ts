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

describe("parseDaemonConfig: --tls-client-name", () => {
  const tls = ["--tls-cert", "/c", "--tls-key", "/k", "--tls-ca", "/ca"];
  it("serves only faultline-manager by default, or the names given (flag or environment)", () => {
    expect(parseDaemonConfig(tls, {})).toMatchObject({ tls: { clientNames: ["faultline-manager"] } });
    expect(parseDaemonConfig([...tls, "--tls-client-name", "mgr-a, mgr-b"], {})).toMatchObject({ tls: { clientNames: ["mgr-a", "mgr-b"] } });
    expect(parseDaemonConfig(tls, { FAULTLINE_DAEMON_TLS_CLIENT_NAME: "corp-manager" })).toMatchObject({ tls: { clientNames: ["corp-manager"] } });
  });
  it("refuses an empty name, and a name without mutual TLS", () => {
    expect(() => parseDaemonConfig([...tls, "--tls-client-name", "a,,b"], {})).toThrow(/--tls-client-name must be one name or a comma-separated list/);
    expect(() => parseDaemonConfig(["--tls-client-name", "a"], {})).toThrow("--tls-client-name needs mutual TLS");
  });
});

describe("parseDaemonConfig: --injection-lease-seconds", () => {
  it("defaults to 300 and takes the flag or FAULTLINE_DAEMON_INJECTION_LEASE_SECONDS", () => {
    expect(parseDaemonConfig([], {})).toMatchObject({ injectionLeaseSeconds: 300 });
    expect(parseDaemonConfig(["--injection-lease-seconds", "90"], {})).toMatchObject({ injectionLeaseSeconds: 90 });
    expect(parseDaemonConfig([], { FAULTLINE_DAEMON_INJECTION_LEASE_SECONDS: "120" })).toMatchObject({ injectionLeaseSeconds: 120 });
  });

  it.each(["0", "-5", "1.5", "x"])("refuses %j, naming the flag", (value) => {
    expect(() => parseDaemonConfig(["--injection-lease-seconds", value], {})).toThrow(DaemonConfigError);
    expect(() => parseDaemonConfig(["--injection-lease-seconds", value], {})).toThrow(/--injection-lease-seconds/);
  });
});

describe("parseDaemonConfig: --pid-cache-warm-ms", () => {
  it("defaults to 2000, takes the flag or FAULTLINE_DAEMON_PID_CACHE_WARM_MS, and 0 turns it off", () => {
    expect(parseDaemonConfig([], {})).toMatchObject({ pidCacheWarmMs: 2000 });
    expect(parseDaemonConfig(["--pid-cache-warm-ms", "0"], {})).toMatchObject({ pidCacheWarmMs: 0 });
    expect(parseDaemonConfig([], { FAULTLINE_DAEMON_PID_CACHE_WARM_MS: "500" })).toMatchObject({ pidCacheWarmMs: 500 });
  });

  it.each(["5ms", "1.5", "soon", "3600001"])("refuses %j, naming the flag", (value) => {
    expect(() => parseDaemonConfig(["--pid-cache-warm-ms", value], {})).toThrow(/--pid-cache-warm-ms must be 0 \(off\) or an integer/);
  });
});

describe("parseDaemonConfig: --spawn-helper", () => {
  it("is unset by default (the binary beside the daemon), takes an absolute path, off, or FAULTLINE_DAEMON_SPAWN_HELPER", () => {
    expect(parseDaemonConfig([], {})).not.toHaveProperty("spawnHelper");
    expect(parseDaemonConfig(["--spawn-helper", "off"], {})).toMatchObject({ spawnHelper: "off" });
    expect(parseDaemonConfig(["--spawn-helper", "/opt/faultline-spawn"], {})).toMatchObject({ spawnHelper: "/opt/faultline-spawn" });
    expect(parseDaemonConfig([], { FAULTLINE_DAEMON_SPAWN_HELPER: "off" })).toMatchObject({ spawnHelper: "off" });
  });

  it.each(["faultline-spawn", "./bin/faultline-spawn", "", "no"])("refuses %j, naming the flag", (value) => {
    expect(() => parseDaemonConfig(["--spawn-helper", value], {})).toThrow(/--spawn-helper must be an absolute path or off/);
  });
});
