import { Resolver } from "node:dns/promises";
import { startDnsZoneServer, type DnsZoneServer } from "./dns-zone-server.js";

describe("startDnsZoneServer", () => {
  let server: DnsZoneServer;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  // 40 TXT records of 60 characters: more than 512 bytes, so the UDP answer is truncated
  const bigTxt = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, "0")}${"x".repeat(58)}`);
  beforeAll(async () => {
    server = await startDnsZoneServer({
      host: "127.0.0.1",
      zone: { "api.example.test": { A: ["10.1.2.3"], AAAA: ["fd00::1"] }, "big.example.test": { TXT: bigTxt } },
      ttl: 42,
    });
    resolver.setServers([`127.0.0.1:${server.port}`]);
  });
  afterAll(() => server.close());

  it("answers its zone's A and AAAA records with the TTL given, over UDP", async () => {
    expect(await resolver.resolve4("api.example.test", { ttl: true })).toEqual([{ address: "10.1.2.3", ttl: 42 }]);
    expect(await resolver.resolve6("api.example.test")).toEqual(["fd00::1"]);
    expect(server.queries).toEqual(expect.arrayContaining([{ transport: "udp", name: "api.example.test", type: "A" }]));
  });

  it("answers NXDOMAIN for a name outside its zone", async () => {
    await expect(resolver.resolve4("nowhere.example.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("truncates a large UDP answer, and the client gets it whole over TCP", async () => {
    const before = server.queries.length;
    const records = await resolver.resolveTxt("big.example.test");
    expect(records.map((r) => r.join(""))).toEqual(bigTxt);
    expect(server.queries.slice(before).map((q) => q.transport)).toEqual(["udp", "tcp"]);
  });
});
