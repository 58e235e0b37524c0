import { resolveExternalTargets, splitExternalTarget } from "./external-targets.js";

const resolver = (table: { [host: string]: string[] }) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error("getaddrinfo ENOTFOUND " + host);
  return found;
};

describe("externalTargets as CIDRs", () => {
  it("splits host and port, bracketed IPv6 included", () => {
    expect(splitExternalTarget("db:5432")).toEqual({ host: "db", port: 5432 });
    expect(splitExternalTarget("[2001:db8::1]:443")).toEqual({ host: "2001:db8::1", port: 443 });
    expect(splitExternalTarget("2001:db8::1")).toEqual({ host: "2001:db8::1" });
    expect(splitExternalTarget("10.0.0.0/8")).toEqual({ host: "10.0.0.0/8" });
  });

  it("keeps IPs and CIDRs, and resolves host names of both families", async () => {
    const resolve = resolver({ "www.example.com": ["93.184.0.1", "2606:2800::1"], db: ["10.1.2.3"] });
    await expect(resolveExternalTargets(["1.2.3.4", "10.0.0.0/8", "fd00::1", "www.example.com", "db:5432", "[2001:db8::1]:80"], resolve)).resolves.toEqual([
      { cidr: "1.2.3.4/32" },
      { cidr: "10.0.0.0/8" },
      { cidr: "fd00::1/128" },
      { cidr: "2606:2800::1/128" },
      { cidr: "93.184.0.1/32" },
      { cidr: "10.1.2.3/32", port: 5432 },
      { cidr: "2001:db8::1/128", port: 80 },
    ]);
  });

  it("names a host that does not resolve", async () => {
    await expect(resolveExternalTargets(["nowhere.invalid"], resolver({}))).rejects.toThrow(/external target nowhere\.invalid: cannot resolve nowhere\.invalid/);
  });

  it("resolves through node:dns by default", async () => {
    await expect(resolveExternalTargets(["localhost"])).resolves.toContainEqual({ cidr: "127.0.0.1/32" });
  });
});
