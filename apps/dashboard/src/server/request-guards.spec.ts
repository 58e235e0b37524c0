import { allowedHosts, bearerTokenOf, hostAllowed, hostPort, isLoopback, newSessionSecret, sessionMatches } from "./request-guards.js";

describe("the session secret", () => {
  it("is random, 256 bits, URL-safe", () => {
    const a = newSessionSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionSecret()).not.toBe(a);
  });

  it("matches only itself", () => {
    const secret = newSessionSecret();
    expect(sessionMatches(secret, secret)).toBe(true);
    expect(sessionMatches(undefined, secret)).toBe(false);
    expect(sessionMatches("", secret)).toBe(false);
    expect(sessionMatches(secret.slice(0, -1), secret)).toBe(false);
    expect(sessionMatches(`${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`, secret)).toBe(false);
    expect(sessionMatches([secret, secret], secret)).toBe(false);
  });
});

describe("the Host check", () => {
  it("on loopback: the address and its loopback names, with the port", () => {
    expect(allowedHosts("127.0.0.1", 7070)).toEqual(["127.0.0.1:7070", "localhost:7070", "[::1]:7070"]);
    expect(allowedHosts("::1", 80)).toEqual(["[::1]:80", "localhost:80", "127.0.0.1:80"]);
    const hosts = allowedHosts("127.0.0.1", 7070);
    expect(hostAllowed("127.0.0.1:7070", hosts)).toBe(true);
    expect(hostAllowed("LOCALHOST:7070", hosts)).toBe(true);
    expect(hostAllowed("evil.example:7070", hosts)).toBe(false);
    expect(hostAllowed("127.0.0.1:7071", hosts)).toBe(false);
    expect(hostAllowed("127.0.0.1", hosts)).toBe(false);
    expect(hostAllowed(undefined, hosts)).toBe(false);
  });

  it("elsewhere: that address only", () => {
    expect(allowedHosts("192.168.1.5", 7070)).toEqual(["192.168.1.5:7070"]);
    expect(allowedHosts("Dash.Example", 7070)).toEqual(["dash.example:7070"]);
  });

  it("names addresses as URLs do", () => {
    expect(hostPort("::1", 7070)).toBe("[::1]:7070");
    expect(hostPort("[::1]", 7070)).toBe("[::1]:7070");
    expect(hostPort("127.0.0.1", 0)).toBe("127.0.0.1:0");
    expect([isLoopback("127.0.0.2"), isLoopback("localhost"), isLoopback("[::1]"), isLoopback("10.0.0.1"), isLoopback("127.example")]).toEqual([true, true, true, false, false]);
  });

  it("loopback: 127.0.0.0/8 and ::1 in any spelling, never a wildcard or another address", () => {
    for (const host of ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "0:0:0:0:0:0:0:1", "0000:0000::0001", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) expect([host, isLoopback(host)]).toEqual([host, true]);
    for (const host of ["0", "0.0.0.0", "::", "::0", "[::]", "0:0:0:0:0:0:0:0", "0x0", "0x7f000001", "127.1", "2130706433", "192.168.1.5", "10.0.0.1", "fe80::1", "128.0.0.1", "", "localhost.example"]) expect([host, isLoopback(host)]).toEqual([host, false]);
  });
});

describe("bearerTokenOf", () => {
  it("reads a Bearer header only", () => {
    expect(bearerTokenOf("Bearer abc.def")).toBe("abc.def");
    expect(bearerTokenOf("bearer abc")).toBe("abc");
    expect(bearerTokenOf("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(bearerTokenOf("Bearer ")).toBeUndefined();
    expect(bearerTokenOf("Bearer a b")).toBeUndefined();
    expect(bearerTokenOf(undefined)).toBeUndefined();
  });
});
