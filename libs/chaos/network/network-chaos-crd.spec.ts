import { validateAgainstSchema } from "@faultline/api";
import { deviceFieldPattern, networkDeviceNameGrammar, networkDeviceNamePattern } from "./daemon/network-device-name.js";
import { validDevice } from "./daemon/network-request-validation.js";
import { externalTargetPattern, networkChaosCrd, ratePattern, type NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosExamples } from "./network-fixtures.test-support.js";

const [version] = networkChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

const manifest: NetworkChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", action: "partition", duration: "1h" },
};
const withSpec = (spec: object): object => ({ ...manifest, spec: { ...manifest.spec, ...spec } });

// The schema part of admission, offline; the CEL rules are judged by the real API server in
// network-chaos-crd.integration.spec.ts.
describe("the NetworkChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(networkChaosCrd.metadata.name).toBe("networkchaos.chaos-mesh.org");
    expect(networkChaosCrd.spec.names).toMatchObject({ kind: "NetworkChaos", listKind: "NetworkChaosList", plural: "networkchaos", singular: "networkchaos" });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it.each(Object.entries(networkChaosExamples()))("accepts Chaos Mesh's %s", (_name, example) => {
    expect(validateAgainstSchema(example, schema)).toEqual([]);
  });

  it("requires an action of Chaos Mesh's, a selector and a mode", () => {
    expect(validateAgainstSchema({ ...manifest, spec: {} }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.action: required"]);
    expect(validateAgainstSchema(withSpec({ action: "jam" }), schema)).toEqual([expect.stringMatching(/^\.spec\.action: must be one of/)]);
  });

  it("reads rates as Chaos Mesh's webhook does: an unsigned integer and a unit", () => {
    const rate = new RegExp(ratePattern);
    for (const ok of ["1mbps", "100kbit", "8gbit", "10bps", "1tbps"]) expect(ok).toMatch(rate);
    for (const bad of ["1.5mbps", "1 mbps", "1MBps", "mbps", "-1mbps", "1mb"]) expect(bad).not.toMatch(rate);
  });

  it("reads external targets as addresses, CIDRs and host names, each optionally with a port", () => {
    const target = new RegExp(externalTargetPattern);
    for (const ok of ["1.2.3.4", "10.0.0.0/8", "www.google.com", "db:5432", "1.2.3.4:80", "::1", "2001:db8::/32", "[2001:db8::1]:443", "localhost"]) {
      expect(ok).toMatch(target);
    }
    for (const bad of ["", "1.2.3.4/33", "host:0", "host:65536", "a b", "http://x", "-bad.example"]) expect(bad).not.toMatch(target);
  });

  it("reads a CIDR with a port (10.0.0.0/8:22, [2001:db8::/32]:80), refusing a bad prefix or port", () => {
    const target = new RegExp(externalTargetPattern);
    for (const ok of ["10.0.0.0/8:22", "192.168.1.0/24:65535", "8.8.0.0/16:53", "[2001:db8::/32]:80", "[fd00::/64]:443"]) expect(ok).toMatch(target);
    for (const bad of ["10.0.0.0/8:0", "10.0.0.0/8:65536", "10.0.0.0/33:22", "10.0.0.0/8:", "10.0.0.0/8:22:1", "10.0.0.0/:22", "2001:db8::/32:80", "[2001:db8::/129]:80"]) {
      expect(bad).not.toMatch(target);
    }
  });

  it("takes device and targetDevice in the daemon's own grammar: one pattern, built from the daemon's", () => {
    const spec = (schema as { properties: { spec: { properties: { [field: string]: { pattern?: string } } } } }).properties.spec.properties;
    expect(spec["device"]!.pattern).toBe(deviceFieldPattern);
    expect(spec["targetDevice"]!.pattern).toBe(deviceFieldPattern);
    expect(deviceFieldPattern).toBe(`^(${networkDeviceNameGrammar}(@${networkDeviceNameGrammar})?)?$`);
    expect(networkDeviceNamePattern.source).toBe(`^${networkDeviceNameGrammar}$`);
    // the same verdict as the daemon's validation, name by name
    const field = new RegExp(deviceFieldPattern);
    const daemonTakes = (name: string) => {
      try {
        validDevice(name, "device");
        return true;
      } catch {
        return false;
      }
    };
    const names = ["eth0", "ens3", "veth_1.2-x", "_x", "a".repeat(15), "a".repeat(16), "eth0; rm -rf /", "eth 0", "-eth0", ".", "eth0/1", "eth0\n", "ét0", "eth0$(id)", "'eth0'"];
    for (const name of names) {
      expect([name, field.test(name)]).toEqual([name, daemonTakes(name)]);
      expect([name, field.test(`${name}@if12`)]).toEqual([name, daemonTakes(name)]);
    }
    expect(field.test("")).toBe(true); // the default, eth0
    expect(field.test("eth0@if12; rm -rf /")).toBe(false);
    expect(validateAgainstSchema(withSpec({ device: "eth0; rm -rf /" }), schema)).toEqual([expect.stringMatching(/^\.spec\.device: /)]);
    expect(validateAgainstSchema(withSpec({ device: "eth0@if12", targetDevice: "eth1" }), schema)).toEqual([]);
  });
});
