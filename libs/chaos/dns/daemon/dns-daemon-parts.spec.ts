import { Code } from "@connectrpc/connect";
import { dnsChainRules, dnsRedirectIn, installScript, removeScript } from "./dns-redirect.js";
import { checkExecDnsRequest } from "./dns-request-validation.js";
import { resolvConfNameservers, withNameserver } from "./resolv-conf.js";

describe("resolv.conf", () => {
  it("reads the nameservers, addresses only, in order", () => {
    expect(resolvConfNameservers("# comment\nnameserver 10.96.0.10\nnameserver fe80::1%eth0\nnameserver not-an-ip\nsearch a b\n")).toEqual(["10.96.0.10", "fe80::1%eth0"]);
    expect(resolvConfNameservers("search a\n")).toEqual([]);
  });

  it("replaces every nameserver line with one, where the first stood, keeping search and options", () => {
    expect(withNameserver("search a\nnameserver 1.1.1.1\nnameserver 2.2.2.2\noptions ndots:5\n", "10.0.0.53")).toBe("search a\nnameserver 10.0.0.53\noptions ndots:5\n");
    expect(withNameserver("search a", "10.0.0.53")).toBe("nameserver 10.0.0.53\nsearch a\n");
  });
});

describe("the redirect", () => {
  it("reads an owned chain and its hooks as iptables-save prints them; someone else's chain as foreign", () => {
    const saved = '*nat\n:OUTPUT ACCEPT [0:0]\n:FAULTLINE-DNS - [0:0]\n-A OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS\n-A FAULTLINE-DNS -m comment --comment faultline:owned\n-A FAULTLINE-DNS -m owner --uid-owner 7 -j RETURN\nCOMMIT\n';
    expect(dnsRedirectIn(saved)).toEqual({ owned: true, foreign: false, rules: ["-m owner --uid-owner 7 -j RETURN"], hooks: ["-p udp -m udp --dport 53 -j FAULTLINE-DNS"] });
    expect(dnsRedirectIn("*nat\n:FAULTLINE-DNS - [0:0]\n-A FAULTLINE-DNS -j ACCEPT\nCOMMIT\n")).toMatchObject({ owned: false, foreign: true });
    expect(dnsRedirectIn("*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")).toEqual({ owned: false, foreign: false, rules: [], hooks: [] });
  });

  it("adds only the hooks that are missing, and removes the hooks before the chain", () => {
    const current = dnsRedirectIn("*nat\n:FAULTLINE-DNS - [0:0]\n-A OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS\n-A FAULTLINE-DNS -m comment --comment faultline:owned\nCOMMIT\n");
    const script = installScript({ uid: 7, port: 1053 }, current);
    expect(script).toContain("-I OUTPUT 1 -p tcp --dport 53 -j FAULTLINE-DNS");
    expect(script).not.toContain("-I OUTPUT 1 -p udp");
    expect(dnsChainRules({ uid: 7, port: 1053 })).toEqual(["-m owner --uid-owner 7 -j RETURN", "-p udp -j REDIRECT --to-ports 1053", "-p tcp -j REDIRECT --to-ports 1053"]);
    expect(removeScript(current)).toBe("*nat\n-D OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS\n-F FAULTLINE-DNS\n-X FAULTLINE-DNS\nCOMMIT\n");
  });
});

describe("checkExecDnsRequest", () => {
  const ok = { containerId: "containerd://" + "a".repeat(64), action: "random", patterns: ["api.example.test", "ap?.example.*"], recordKey: "u/r" };
  it("accepts a valid request and names the field of a bad one", () => {
    expect(checkExecDnsRequest(ok)).toEqual({ containerId: ok.containerId, action: "random", patterns: ok.patterns, recordKey: "u/r" });
    expect(() => checkExecDnsRequest({ ...ok, patterns: Array.from({ length: 1024 }, () => "a.b") })).not.toThrow();
    expect(() => checkExecDnsRequest({ ...ok, patterns: ["a.b", ""] })).toThrow(expect.objectContaining({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^patterns\[1\]: /) }));
  });
});
