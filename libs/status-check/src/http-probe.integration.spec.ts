// probeHttp against a real HTTP server on 127.0.0.1 (an integration test: inside the throw-away
// network namespaces some runs use, loopback may be down, so the unit tier does not run it).
import { createDestinationPolicy } from "./destination-policy.js";
import { probeHttp } from "./http-probe.js";
import { closedPort, HttpTarget } from "./http-target.test-support.js";

const target = new HttpTarget();
beforeAll(() => target.start());
afterAll(() => target.stop());
beforeEach(() => {
  target.health = "healthy";
  target.routes.clear();
});

const check = (url: string, statusCode = "200-399", extra: object = {}) => ({ url, criteria: { statusCode }, ...extra });

describe("probeHttp", () => {
  it("a status code within the criteria is a Success", async () => {
    const result = await probeHttp(check(target.url()), { timeoutMs: 1000 });
    expect(result).toMatchObject({ outcome: "Success", statusCode: 200, message: `GET ${target.url()}: status 200` });
  });

  it("a status code outside the criteria is a Failure that says what was expected", async () => {
    target.health = "unhealthy";
    const result = await probeHttp(check(target.url(), "200"), { timeoutMs: 1000 });
    expect(result).toMatchObject({ outcome: "Failure", statusCode: 503, message: `GET ${target.url()}: status 503, expected 200` });
  });

  it("a refused connection is a Failure with its reason", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/healthz`;
    const result = await probeHttp(check(url), { timeoutMs: 1000 });
    expect(result).toMatchObject({ outcome: "Failure", message: `GET ${url}: connection refused (ECONNREFUSED)` });
    expect(result.statusCode).toBeUndefined();
  });

  it("no answer within the timeout is a Failure, after the timeout and not much later", async () => {
    target.health = "hang";
    const started = Date.now();
    const result = await probeHttp(check(target.url()), { timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: "Failure", message: `GET ${target.url()}: no response within 300ms` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("never reads the body: an endless body does not hold the probe", async () => {
    target.routes.set("/endless", (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 120);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on("close", () => clearInterval(timer));
    });
    const result = await probeHttp(check(target.url("/endless")), { timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: "Success", statusCode: 200 });
    expect(result.latencyMs).toBeLessThan(1000);
  });

  it("sends the method, the headers (each value of a list) and a POST's body", async () => {
    await probeHttp(check(target.url("/post"), "200-599", { method: "POST", headers: { "x-check": ["a", "b"], authorization: ["Bearer t"] }, body: '{"ping":1}' }), { timeoutMs: 1000 });
    const seen = target.requestsTo("/post").at(-1)!;
    expect(seen).toMatchObject({ method: "POST", body: '{"ping":1}' });
    expect(seen.headers["x-check"]).toBe("a, b");
    expect(seen.headers.authorization).toBe("Bearer t");
  });

  it("a GET sends no body", async () => {
    await probeHttp(check(target.url("/get"), "200-599", { body: "ignored" }), { timeoutMs: 1000 });
    expect(target.requestsTo("/get").at(-1)).toMatchObject({ method: "GET", body: "" });
  });

  it("follows a redirect within the scheme and judges the final response", async () => {
    target.routes.set("/moved", (_req, res) => res.writeHead(302, { location: "/healthz" }).end());
    const result = await probeHttp(check(target.url("/moved"), "200"), { timeoutMs: 1000 });
    expect(result).toMatchObject({ outcome: "Success", statusCode: 200 });
  });

  it("a 303 after a POST continues as a GET without the body", async () => {
    target.routes.set("/submit", (_req, res) => res.writeHead(303, { location: "/after" }).end());
    target.routes.set("/after", (_req, res) => res.writeHead(204).end());
    const result = await probeHttp(check(target.url("/submit"), "204", { method: "POST", body: "x" }), { timeoutMs: 1000 });
    expect(result.outcome).toBe("Success");
    expect(target.requestsTo("/after").at(-1)).toMatchObject({ method: "GET", body: "" });
  });

  it("does not follow a redirect to another scheme: a Failure naming it", async () => {
    target.routes.set("/upgrade", (_req, res) => res.writeHead(301, { location: "https://example.invalid/healthz" }).end());
    const result = await probeHttp(check(target.url("/upgrade"), "200-399"), { timeoutMs: 1000 });
    expect(result).toMatchObject({
      outcome: "Failure",
      statusCode: 301,
      message: `GET ${target.url("/upgrade")}: status 301 redirects to https://example.invalid/healthz, another scheme: not followed`,
    });
  });

  it("stops after 10 redirects", async () => {
    target.routes.set("/loop", (_req, res) => res.writeHead(307, { location: "/loop" }).end());
    const result = await probeHttp(check(target.url("/loop")), { timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: "Failure", message: `GET ${target.url("/loop")}: stopped after 10 redirects` });
    expect(target.requestsTo("/loop").length).toBe(11);
  });

  it("an invalid header is a Failure, not a throw", async () => {
    const result = await probeHttp(check(target.url(), "200", { headers: { "bad header": ["x"] } }), { timeoutMs: 1000 });
    expect(result.outcome).toBe("Failure");
    expect(result.message).toMatch(/invalid header/);
  });

  describe("refused destinations (the manager's policy; loopback stands in for a metadata address)", () => {
    it("an address in the URL is a Failure naming the range, and nothing reaches it", async () => {
      const before = target.requests.length;
      const destinations = createDestinationPolicy(["127.0.0.1/32"]);
      const result = await probeHttp(check(target.url()), { timeoutMs: 1000, destinations });
      expect(result).toMatchObject({ outcome: "Failure", message: `GET ${target.url()}: destination 127.0.0.1 is refused by the manager's StatusCheck policy (127.0.0.1/32); nothing was sent` });
      expect(target.requests.length).toBe(before);
    });

    it("a name is judged by what it resolves to, at connect time", async () => {
      const before = target.requests.length;
      const url = `http://localhost:${target.port}/healthz`;
      const result = await probeHttp(check(url), { timeoutMs: 1000, destinations: createDestinationPolicy(["127.0.0.0/8", "::1/128"]) });
      expect(result.outcome).toBe("Failure");
      expect(result.message).toMatch(/^GET http:\/\/localhost:\d+\/healthz: destination (127\.0\.0\.1|::1) is refused by the manager's StatusCheck policy/);
      expect(target.requests.length).toBe(before);
    });

    it("a redirect to a refused address is not followed", async () => {
      // the target listens on 127.0.0.1 only; 127.0.0.2 is refused before any connection is tried
      target.routes.set("/to-metadata", (_req, res) => {
        res.writeHead(302, { location: `http://127.0.0.2:${target.port}/latest/meta-data/` });
        res.end();
      });
      const result = await probeHttp(check(target.url("/to-metadata")), { timeoutMs: 1000, destinations: createDestinationPolicy(["127.0.0.2/32"]) });
      expect(result).toMatchObject({ outcome: "Failure", message: `GET ${target.url("/to-metadata")}: destination 127.0.0.2 is refused by the manager's StatusCheck policy (127.0.0.2/32); nothing was sent` });
    });

    it("an allowed destination is probed as before", async () => {
      const result = await probeHttp(check(target.url()), { timeoutMs: 1000, destinations: createDestinationPolicy(["169.254.0.0/16"]) });
      expect(result).toMatchObject({ outcome: "Success", statusCode: 200 });
    });
  });
});
