import { defaultRefusedDestinations } from "@faultline/status-check";
import { ManagerConfigError, parseManagerConfig } from "./manager-config.js";

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
