import { defaultRefusedDestinations } from "@faultline/status-check";
import { ManagerConfigError, parseManagerConfig, type ManagerConfig } from "./manager-config.js";

describe("parseManagerConfig: --status-check-refused-destinations", () => {
  it("refuses the cloud metadata addresses by default", () => {
    expect(parseManagerConfig([], {})).toMatchObject({ statusCheckRefusedDestinations: defaultRefusedDestinations });
    expect(defaultRefusedDestinations).toContain("169.254.0.0/16");
  });

  it("takes a comma-separated list from the flag or the environment; empty refuses none", () => {
    expect(parseManagerConfig(["--status-check-refused-destinations", "10.0.0.0/8, 169.254.169.254"], {})).toMatchObject({
      statusCheckRefusedDestinations: ["10.0.0.0/8", "169.254.169.254"],
    });
    expect(parseManagerConfig([], { FAULTLINE_MANAGER_STATUS_CHECK_REFUSED_DESTINATIONS: "fd00:ec2::254/128" })).toMatchObject({
      statusCheckRefusedDestinations: ["fd00:ec2::254/128"],
    });
    expect(parseManagerConfig(["--status-check-refused-destinations", ""], {})).toMatchObject({ statusCheckRefusedDestinations: [] });
  });

  it("refuses a range that is not one, naming the flag and the range", () => {
    expect(() => parseManagerConfig(["--status-check-refused-destinations", "169.254.0.0/16,metadata.google.internal"], {})).toThrow(ManagerConfigError);
    expect(() => parseManagerConfig(["--status-check-refused-destinations", "169.254.0.0/16,metadata.google.internal"], {})).toThrow(
      '--status-check-refused-destinations: not an IP address or CIDR range: "metadata.google.internal"',
    );
  });
});

describe("--sweep-interval-seconds", () => {
  it("defaults to 60 s and takes the flag or FAULTLINE_MANAGER_SWEEP_INTERVAL_SECONDS", () => {
    expect((parseManagerConfig([], {}) as ManagerConfig).sweepIntervalSeconds).toBe(60);
    expect((parseManagerConfig(["--sweep-interval-seconds", "5"], {}) as ManagerConfig).sweepIntervalSeconds).toBe(5);
    expect((parseManagerConfig([], { FAULTLINE_MANAGER_SWEEP_INTERVAL_SECONDS: "7" }) as ManagerConfig).sweepIntervalSeconds).toBe(7);
  });

  it("takes 0 (never automatically, only when asked) and refuses negatives and non-integers, naming the flag", () => {
    expect((parseManagerConfig(["--sweep-interval-seconds", "0"], {}) as ManagerConfig).sweepIntervalSeconds).toBe(0);
    expect(() => parseManagerConfig(["--sweep-interval-seconds=-1"], {})).toThrow(/--sweep-interval-seconds must be an integer from 0/);
    expect(() => parseManagerConfig(["--sweep-interval-seconds", "1.5"], {})).toThrow(/--sweep-interval-seconds/);
  });
});

describe("--status-interval-seconds", () => {
  it("defaults to 30 s, takes the flag, the environment and 0 (only when asked), and refuses what is not a whole number", () => {
    expect((parseManagerConfig([], {}) as ManagerConfig).statusIntervalSeconds).toBe(30);
    expect((parseManagerConfig(["--status-interval-seconds", "5"], {}) as ManagerConfig).statusIntervalSeconds).toBe(5);
    expect((parseManagerConfig([], { FAULTLINE_MANAGER_STATUS_INTERVAL_SECONDS: "0" }) as ManagerConfig).statusIntervalSeconds).toBe(0);
    expect(() => parseManagerConfig(["--status-interval-seconds", "soon"], {})).toThrow(/--status-interval-seconds must be an integer from 0 to 86400/);
  });
});

describe("parseManagerConfig: --protected-namespaces", () => {
  it("is none by default, and a comma-separated list of namespace names otherwise, each once", () => {
    expect(parseManagerConfig([], {})).toMatchObject({ protectedNamespaces: [] });
    expect(parseManagerConfig(["--protected-namespaces", "kube-system, chaos-mesh,kube-system"], {})).toMatchObject({ protectedNamespaces: ["kube-system", "chaos-mesh"] });
    expect(parseManagerConfig([], { FAULTLINE_MANAGER_PROTECTED_NAMESPACES: "kube-system" })).toMatchObject({ protectedNamespaces: ["kube-system"] });
  });

  it("refuses what is not a namespace name, naming it", () => {
    expect(() => parseManagerConfig(["--protected-namespaces", "kube-system,Kube_Public"], {})).toThrow('--protected-namespaces: "Kube_Public" is not a namespace name');
  });
});

describe("parseManagerConfig: blast radius (--max-records, --max-namespace-percent)", () => {
  it("is 1000 records and no namespace share by default, and takes flags or the environment", () => {
    expect(parseManagerConfig([], {})).toMatchObject({ maxRecords: 1000, maxNamespacePercent: 100 });
    expect(parseManagerConfig(["--max-records", "50", "--max-namespace-percent", "30"], {})).toMatchObject({ maxRecords: 50, maxNamespacePercent: 30 });
    expect(parseManagerConfig([], { FAULTLINE_MANAGER_MAX_RECORDS: "7" })).toMatchObject({ maxRecords: 7 });
  });

  it("refuses values out of range, naming the flag", () => {
    expect(() => parseManagerConfig(["--max-records", "0"], {})).toThrow(/--max-records must be an integer from 1/);
    expect(() => parseManagerConfig(["--max-namespace-percent", "101"], {})).toThrow("--max-namespace-percent must be an integer from 1 to 100");
    expect(() => parseManagerConfig(["--max-namespace-percent", "0"], {})).toThrow(/--max-namespace-percent/);
  });
});

describe("--kill-switch-qps / --kill-switch-burst", () => {
  it("default to 300 / 600 and take the flags or the environment, refusing what is not a whole number ≥ 1, naming the flag", () => {
    expect(parseManagerConfig([], {})).toMatchObject({ qps: 30, burst: 50, killSwitchQps: 300, killSwitchBurst: 600 });
    expect(parseManagerConfig(["--kill-switch-qps", "500", "--kill-switch-burst=900"], {})).toMatchObject({ killSwitchQps: 500, killSwitchBurst: 900 });
    expect(parseManagerConfig([], { FAULTLINE_MANAGER_KILL_SWITCH_QPS: "120" })).toMatchObject({ killSwitchQps: 120 });
    expect(() => parseManagerConfig(["--kill-switch-qps", "0"], {})).toThrow(/--kill-switch-qps must be an integer from 1/);
    expect(() => parseManagerConfig(["--kill-switch-burst", "lots"], {})).toThrow(/--kill-switch-burst must be an integer from 1/);
  });
});
