import { create } from "@bufbuild/protobuf";
import { ChainSchema, Chain_Direction, IPSetSchema, TcSchema, Tc_Type } from "@faultline/api";
import { durationMicros, validChains, validCidr, validIpsets, validTcs } from "./network-request-validation.js";

const tc = (t: object) => create(TcSchema, t as never);
const set = (s: object) => create(IPSetSchema, s as never);
const chain = (c: object) => create(ChainSchema, { name: "OUTPUT/x", direction: Chain_Direction.OUTPUT, target: "DROP", ...c } as never);

describe("validation of network requests, before anything runs", () => {
  it("normalises addresses to CIDRs of one family, IPv6 included", () => {
    expect(validCidr("10.0.0.1", "f")).toEqual({ cidr: "10.0.0.1/32", family: "inet" });
    expect(validCidr("10.0.0.0/8", "f")).toEqual({ cidr: "10.0.0.0/8", family: "inet" });
    expect(validCidr("fd00::1", "f")).toEqual({ cidr: "fd00::1/128", family: "inet6" });
    expect(validCidr("fd00::/64", "f")).toEqual({ cidr: "fd00::/64", family: "inet6" });
  });

  it.each([
    ["10.1", /not a dotted-quad/],
    ["0x0a.0.0.1", /not a dotted-quad/],
    ["10.0.0.0/33", /not an IP address or CIDR/],
    ["300.1.1.1", /not an IP address or CIDR/],
    ["example.com", /not an IP address or CIDR/],
    ["10.0.0.0/0", /a \/0 cannot be an ipset member/],
    ["1.2.3.4 -j ACCEPT", /not an IP address/],
  ])("refuses the address %j", (value, message) => {
    expect(() => validCidr(value, "ipsets[0].cidrs[0]")).toThrow(message);
  });

  it("checks ipset names, types, members and families", () => {
    expect(validIpsets([set({ name: "net_tgt", type: "hash:net", cidrs: ["10.0.0.1", "10.0.0.1/32"] })])).toEqual([
      { name: "net_tgt", type: "hash:net", family: "inet", members: ["10.0.0.1/32"] },
    ]);
    expect(validIpsets([set({ name: "p", type: "hash:net,port", cidrAndPorts: [{ cidr: "fd00::/64", port: 80 }] })])[0]).toMatchObject({ family: "inet6", members: ["fd00::/64,80"] });
    expect(() => validIpsets([set({ name: "x".repeat(32), cidrs: [] })])).toThrow(/not an ipset name/);
    expect(() => validIpsets([set({ name: "a b", cidrs: [] })])).toThrow(/not an ipset name/);
    expect(() => validIpsets([set({ name: "fltmp-1", cidrs: [] })])).toThrow(/prefix the daemon keeps/);
    expect(() => validIpsets([set({ name: "s", type: "hash:ip", cidrs: [] })])).toThrow(/not one of hash:net/);
    expect(() => validIpsets([set({ name: "s", type: "hash:net", setNames: ["a"] })])).toThrow(/takes no setNames/);
    expect(() => validIpsets([set({ name: "s", cidrs: ["10.0.0.1", "fd00::1"] })])).toThrow(/mixes IPv4 and IPv6/);
    expect(() => validIpsets([set({ name: "p", type: "hash:net,port", cidrAndPorts: [{ cidr: "10.0.0.1", port: 0 }] })])).toThrow(/port 0 is not in 1..65535/);
    expect(() => validIpsets([set({ name: "s", cidrs: [] }), set({ name: "s", cidrs: [] })])).toThrow(/listed twice/);
    expect(() => validIpsets([set({ name: "l", type: "list:set", setNames: ["m"] }), set({ name: "m", type: "list:set", setNames: ["x"] })])).toThrow(/a list:set holds hash sets only/);
  });

  it("checks chains: names, targets, protocols, ports, tcp flags, devices", () => {
    expect(validChains([chain({ protocol: "tcp", destinationPorts: "80,443", tcpFlags: "SYN,ACK SYN" })])[0]).toMatchObject({ device: "eth0", tcpFlags: ["SYN,ACK", "SYN"], destinationPorts: "80,443" });
    expect(() => validChains([chain({ name: "INPUT" })])).toThrow(/does not let a request replace/);
    expect(() => validChains([chain({ name: "CHAOS-OUTPUT" })])).toThrow(/does not let a request replace/);
    expect(() => validChains([chain({ name: "-F" })])).toThrow(/not an iptables chain name/);
    expect(() => validChains([chain({ name: "x".repeat(29) })])).toThrow(/not an iptables chain name/);
    expect(() => validChains([chain({ target: "MASQUERADE" })])).toThrow(/not one of DROP, REJECT, ACCEPT, RETURN/);
    expect(() => validChains([chain({ target: "" })])).toThrow(/not one of DROP/);
    expect(() => validChains([chain({ protocol: "gre" })])).toThrow(/not one of tcp/);
    expect(() => validChains([chain({ destinationPorts: "80" })])).toThrow(/ports need protocol/);
    expect(() => validChains([chain({ protocol: "tcp", destinationPorts: "70000" })])).toThrow(/not a port/);
    expect(() => validChains([chain({ protocol: "tcp", destinationPorts: "90:80" })])).toThrow(/not a port/);
    expect(() => validChains([chain({ protocol: "udp", tcpFlags: "SYN SYN" })])).toThrow(/need protocol tcp/);
    expect(() => validChains([chain({ protocol: "tcp", tcpFlags: "SYN" })])).toThrow(/not "<mask> <comp>"/);
    expect(() => validChains([chain({ device: "eth0@if12" })])).toThrow(/not a network device name/);
    expect(() => validChains([chain({ device: "averyveryverylongname" })])).toThrow(/not a network device name/);
    // what the CRD now refuses at admission, the daemon still refuses on its own, naming the field
    expect(() => validChains([chain({ device: "eth0; rm -rf /" })])).toThrow('chains[0].device: "eth0; rm -rf /" is not a network device name');
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { loss: 1 }, device: "eth0; rm -rf /" })])).toThrow('tcs[0].device: "eth0; rm -rf /" is not a network device name');
    expect(() => validChains([chain({}), chain({})])).toThrow(/listed twice/);
  });

  it("checks tcs: the type's parameters present, percentages, durations and rates", () => {
    expect(validTcs([tc({ type: Tc_Type.NETEM, netem: { time: "1.5s", loss: 25 } })])[0]).toMatchObject({ kind: "netem", device: "eth0", netem: { delayUs: 1_500_000, loss: 25 } });
    expect(() => validTcs([tc({ type: Tc_Type.NETEM })])).toThrow(/needs its netem parameters/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH })])).toThrow(/needs its tbf parameters/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { loss: 101 } })])).toThrow(/tcs\[0\].netem.loss: 101 is not a percentage/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { corrupt: -1 } })])).toThrow(/not a percentage/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { loss: Number.NaN } })])).toThrow(/not a percentage/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { time: "10 ms" } })])).toThrow(/not a duration/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { time: "2h" } })])).toThrow(/longer than an hour/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { jitter: "5ms" } })])).toThrow(/jitter needs a delay/);
    expect(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { reorder: 5 } })])).toThrow(/reorder needs a delay/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "1.5mbps x", limit: 1, buffer: 1 } })])).toThrow(/not a rate/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "0mbit", limit: 1, buffer: 1 } })])).toThrow(/a rate of 0/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbit", limit: 0, buffer: 1 } })])).toThrow(/limit/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbit", limit: 1, buffer: 1, peakRate: 5n } })])).toThrow(/peakRate and minBurst go together/);
    expect(() => validTcs([tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbit", limit: 1, buffer: 1 }, ipset: "x;y" })])).toThrow(/not an ipset name/);
  });

  it("reads Go durations and tc times", () => {
    expect(durationMicros("", "f")).toBe(0);
    expect(durationMicros("0ms", "f")).toBe(0);
    expect(durationMicros("1m30s", "f")).toBe(90_000_000);
    expect(durationMicros("0.5s", "f")).toBe(500_000); // Chaos Mesh's string comparison drops this delay; Faultline does not
    expect(durationMicros("250us", "f")).toBe(250);
    expect(() => durationMicros("1d", "f")).toThrow(/not a duration/);
    expect(() => durationMicros("ms", "f")).toThrow(/not a duration/);
  });
});

describe("NetworkRequestError", () => {
  it("is an InvalidArgument ConnectError, as the server sends it", async () => {
    const { ConnectError, Code } = await import("@connectrpc/connect");
    let caught: unknown;
    try {
      validTcs([tc({ type: Tc_Type.NETEM, netem: { loss: 150 } })]);
    } catch (e) {
      caught = e;
    }
    expect(caught instanceof ConnectError).toBe(true);
    expect(ConnectError.from(caught)).toMatchObject({ code: Code.InvalidArgument, rawMessage: "tcs[0].netem.loss: 150 is not a percentage in 0..100" });
  });

  it("quotes a raw field in its refusal cut to 64 characters with its length, never the whole megabyte", () => {
    const huge = `eth0;${"x".repeat(1_000_000)}`;
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("not refused");
    };
    for (const message of [
      refusal(() => validChains([chain({ device: huge })])),
      refusal(() => validTcs([tc({ type: Tc_Type.NETEM, netem: { time: "1h".repeat(500_000) } })])),
      refusal(() => validIpsets([set({ name: "s", type: "hash:net", cidrs: [huge] })])),
    ]) {
      expect(message.length).toBeLessThan(300);
      expect(message).toMatch(/…\(\d+ chars\)/);
    }
    expect(refusal(() => validChains([chain({ device: huge })]))).toMatch(/^\[invalid_argument\] chains\[0\]\.device: "eth0;x{59}"…\(1000005 chars\) is not a network device name/);
  });
});
