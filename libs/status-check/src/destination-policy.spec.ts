import { createDestinationPolicy, defaultRefusedDestinations, RefusedDestinationError } from "./destination-policy.js";

describe("createDestinationPolicy", () => {
  const defaults = createDestinationPolicy(defaultRefusedDestinations);

  it.each([
    ["169.254.169.254", "169.254.0.0/16"], // AWS, GCP and Azure instance metadata
    ["169.254.170.2", "169.254.0.0/16"], // ECS task credentials
    ["::ffff:169.254.169.254", "169.254.0.0/16"], // the same, IPv4-mapped
    ["fd00:ec2::254", "fd00:ec2::254/128"],
    ["fe80::1", "fe80::/10"],
    ["100.100.100.200", "100.100.100.200/32"],
  ])("refuses the metadata address %s by default (%s)", (address, range) => {
    expect(defaults.refusing(address)).toBe(range);
  });

  it.each(["10.96.0.10", "127.0.0.1", "192.168.1.5", "::1", "fd00:ec2::253", "100.100.100.201", "169.253.255.255"])("lets %s through by default", (address) => {
    expect(defaults.refusing(address)).toBeUndefined();
  });

  it("takes single addresses and CIDRs, and refuses nothing when empty", () => {
    const policy = createDestinationPolicy(["10.0.0.0/8", "192.0.2.7"]);
    expect(policy.refusing("10.1.2.3")).toBe("10.0.0.0/8");
    expect(policy.refusing("192.0.2.7")).toBe("192.0.2.7");
    expect(policy.refusing("192.0.2.8")).toBeUndefined();
    expect(createDestinationPolicy([]).refusing("169.254.169.254")).toBeUndefined();
  });

  it.each(["169.254.0.0/33", "metadata", "10.0.0.0/8/1", "fe80::/129", "1.2.3/8", ""])("refuses to build from %j, naming it", (range) => {
    expect(() => createDestinationPolicy([range])).toThrow(`not an IP address or CIDR range: ${JSON.stringify(range)}`);
  });

  it("its lookup fails a name whose address is refused, without connecting", async () => {
    const policy = createDestinationPolicy(["127.0.0.0/8"]);
    const error = await new Promise<Error | null>((resolve) => policy.lookup("localhost", { family: 4 }, (e) => resolve(e)));
    expect(error).toBeInstanceOf(RefusedDestinationError);
    expect(error!.message).toBe("destination 127.0.0.1 is refused by the manager's StatusCheck policy (127.0.0.0/8); nothing was sent");
  });

  it("its lookup answers as dns.lookup does for an allowed name, one address or all", async () => {
    const policy = createDestinationPolicy(defaultRefusedDestinations);
    const one = await new Promise<[string | undefined, number | undefined]>((resolve, reject) =>
      policy.lookup("localhost", { family: 4 }, (e, address, family) => (e ? reject(e) : resolve([address as string, family]))),
    );
    expect(one).toEqual(["127.0.0.1", 4]);
    const all = await new Promise<unknown>((resolve, reject) => policy.lookup("localhost", { family: 4, all: true }, (e, addresses) => (e ? reject(e) : resolve(addresses))));
    expect(all).toEqual([{ address: "127.0.0.1", family: 4 }]);
  });
});
