// The proxy with real sockets on loopback (127.0.0.2): a test server that says what it received, the proxy in
// front of it (a listener whose serverPort is the server's), and node:http clients.
import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { Agent, request } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { startHttpProxy, type HttpProxy, type HttpProxyTls } from "./http-proxy.js";
import type { HttpRule } from "./http-rules.js";
import { header, makeCertificates, send, startTestServer, testHost, type Echo, type TestServer } from "./http-proxy.test-support.js";

let server: TestServer;
let proxy: HttpProxy;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// no serverHost: the proxy forwards to the address each connection arrived at (testHost here), as in a pod
async function setUp(rules: (port: number) => HttpRule[], tls?: { proxy?: HttpProxyTls; server?: { cert: string; key: string } }): Promise<number> {
  server = await startTestServer(tls?.server);
  cleanups.push(() => server.close());
  proxy = await startHttpProxy({ host: testHost, listeners: [{ port: 0, serverPort: server.port }], rules: rules(server.port), tls: tls?.proxy ?? null });
  cleanups.push(() => proxy.close());
  return proxy.ports[0]!;
}

const echoOf = (text: string) => JSON.parse(text) as Echo;
const closedWithoutAnswer = (p: Promise<unknown>) => expect(p).rejects.toThrow(/socket hang up|ECONNRESET/);

describe("startHttpProxy: no rule", () => {
  it("forwards method, path, headers and body unchanged, and the answer back unchanged, over one kept-alive connection", async () => {
    const port = await setUp(() => []);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const a = await send(port, { method: "PUT", path: "/a/b?x=1&y=%20", headers: { "X-Multi": ["1", "2"], "Content-Type": "text/plain" }, body: "hello", agent });
    const b = await send(port, { path: "/chunked", agent });
    expect(a.code).toBe(200);
    const echo = echoOf(a.text);
    expect(echo).toMatchObject({ method: "PUT", url: "/a/b?x=1&y=%20", body: "hello" });
    expect(echo.headers.filter(([n]) => n === "X-Multi")).toEqual([["X-Multi", "1"], ["X-Multi", "2"]]);
    expect(header(echo.headers, "host")).toBe(`${testHost}:${port}`);
    expect(header(a.headers, "x-server")).toBe("echo");
    expect(b.text).toBe("one,two,three");
    expect(header(b.headers, "transfer-encoding")).toBe("chunked");
    expect(b.localPort).toBe(a.localPort); // keep-alive: the same client connection
  });

  it("forwards a chunked request body", async () => {
    const port = await setUp(() => []);
    const seen = await new Promise<string>((resolve, reject) => {
      const req = request({ host: testHost, port, method: "POST", path: "/echo", agent: false }, (res) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString()));
        res.on("end", () => resolve(t));
      });
      req.on("error", reject);
      req.write("part1,");
      setTimeout(() => req.end("part2"), 20);
    });
    const echo = echoOf(seen);
    expect(echo.body).toBe("part1,part2");
    expect(header(echo.headers, "transfer-encoding")).toBe("chunked");
  });

  it("answers Expect: 100-continue itself, then forwards the body (the server is not asked to wait again)", async () => {
    const port = await setUp(() => []);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: testHost, port, method: "POST", path: "/up", agent: false, headers: { expect: "100-continue", "content-length": "5" } }, (res) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString()));
        res.on("end", () => resolve(t));
      });
      req.on("continue", () => req.end("hello"));
      req.on("error", reject);
    });
    const echo = echoOf(answer);
    expect(echo.body).toBe("hello");
    expect(header(echo.headers, "expect")).toBeUndefined();
  });

  it("answers 502 when the server is not there", async () => {
    const port = await setUp(() => []);
    await server.close();
    const seen = await send(port);
    expect(seen.code).toBe(502);
    expect(seen.text).toContain(`the server on port ${server.port} failed`);
  });
});

describe("startHttpProxy: streaming", () => {
  it("streams a 1 MiB response through when a rule only changes headers (the client has half of it before the server sends the rest)", async () => {
    const half = 512 * 1024;
    const port = await setUp((p) => [{ target: "Response", selector: {}, actions: { patch: { headers: [["X-Chaos", "1"]] } }, port: p }]);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    server.hook = (req, res) => {
      if (req.url !== "/slow") return false;
      res.writeHead(200, { "content-length": String(2 * half) });
      res.write(Buffer.alloc(half, "a"));
      void released.then(() => res.end(Buffer.alloc(half, "b")));
      return true;
    };
    const got = await new Promise<{ firstHalfBeforeRelease: boolean; length: number; chaos?: string }>((resolve, reject) => {
      request({ host: testHost, port, path: "/slow", agent: false }, (res) => {
        let length = 0;
        let firstHalfBeforeRelease = false;
        res.on("data", (c: Buffer) => {
          length += c.length;
          if (length >= half && !firstHalfBeforeRelease) ((firstHalfBeforeRelease = true), release());
        });
        res.on("end", () => resolve({ firstHalfBeforeRelease, length, chaos: res.headers["x-chaos"] as string }));
      })
        .on("error", reject)
        .end();
    });
    expect(got).toEqual({ firstHalfBeforeRelease: true, length: 2 * half, chaos: "1" });
  });

  it("streams a 1 MiB request body to the server when a rule only changes headers (the server has half before the client sends the rest)", async () => {
    const half = 512 * 1024;
    const port = await setUp((p) => [{ target: "Request", selector: {}, actions: { replace: { headers: { "X-Chaos": "1" } } }, port: p }]);
    let serverHadHalf!: () => void;
    const hadHalf = new Promise<void>((r) => (serverHadHalf = r));
    server.hook = (req, res) => {
      let length = 0;
      req.on("data", (c: Buffer) => {
        length += c.length;
        if (length >= half) serverHadHalf();
      });
      req.on("end", () => res.end(JSON.stringify({ length, chaos: req.headers["x-chaos"] })));
      return true;
    };
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: testHost, port, method: "POST", path: "/upload", agent: false, headers: { "content-length": String(2 * half) } }, (res) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString()));
        res.on("end", () => resolve(t));
      });
      req.on("error", reject);
      req.write(Buffer.alloc(half, "a"));
      void hadHalf.then(() => req.end(Buffer.alloc(half, "b")));
    });
    expect(JSON.parse(answer)).toEqual({ length: 2 * half, chaos: "1" });
  });
});

describe("startHttpProxy: Request rules", () => {
  it("aborts matching paths only (the server never sees them), others pass", async () => {
    const port = await setUp((p) => [{ target: "Request", selector: { path: "/api/*" }, actions: { abort: true }, port: p }]);
    await closedWithoutAnswer(send(port, { path: "/api/users" }));
    expect((await send(port, { path: "/web/page" })).code).toBe(200);
    expect((await send(port, { path: "/api/users/7" })).code).toBe(200); // "*" stays within one segment
    expect(server.received.map((e) => e.url)).toEqual(["/web/page", "/api/users/7"]);
  });

  it("delays matching requests by the rules' delays added up", async () => {
    const port = await setUp((p) => [
      { target: "Request", selector: { method: "GET" }, actions: { delay: "150ms" }, port: p },
      { target: "Request", selector: { request_headers: { "X-Slow": "yes" } }, actions: { delay: "200ms" }, port: p },
    ]);
    const time = async (opts: Parameters<typeof send>[1]) => {
      const start = performance.now();
      await send(port, opts);
      return performance.now() - start;
    };
    const both = await time({ headers: { "x-slow": "yes" } });
    const one = await time({});
    const none = await time({ method: "POST" });
    // lower bounds only are timing-safe; the rest is order (a shared machine can stall any request)
    expect(both).toBeGreaterThanOrEqual(345);
    expect(one).toBeGreaterThanOrEqual(145);
    expect(one).toBeLessThan(both);
    expect(none).toBeLessThan(one);
  });

  it("replaces and patches what the server receives: path, method, queries, headers, body", async () => {
    const port = await setUp((p) => [
      {
        target: "Request",
        selector: { path: "/old", method: "POST" },
        actions: { replace: { path: "/new", method: "PUT", queries: { q: "replaced" }, headers: { "X-Who": "proxy" }, body: Buffer.from('{"a":1,"b":2}').toString("base64") } },
        port: p,
      },
      { target: "Request", selector: { path: "/old" }, actions: { patch: { queries: [["added", "1"]], headers: [["X-Added", "yes"]], body: { type: "JSON", value: '{"b":null,"c":3}' } } }, port: p },
    ]);
    const seen = await send(port, { method: "POST", path: "/old?q=original&keep=1", headers: { "x-who": "client", "content-type": "application/json" }, body: '{"z":0}' });
    const echo = echoOf(seen.text);
    expect(echo.method).toBe("PUT");
    expect(echo.url).toBe("/new?keep=1&q=replaced&added=1");
    expect(header(echo.headers, "x-who")).toBe("proxy");
    expect(header(echo.headers, "x-added")).toBe("yes");
    expect(JSON.parse(echo.body)).toEqual({ a: 1, c: 3 });
    expect(header(echo.headers, "content-length")).toBe(String(echo.bodyLength));
    // a GET to /old matches the patch rule only (the replace rule wants POST)
    const get = echoOf((await send(port, { path: "/old" })).text);
    expect(get).toMatchObject({ method: "GET", url: "/old?added=1", body: '{"c":3}' });
  });

  it("matches the method case-insensitively and headers exactly", async () => {
    const port = await setUp((p) => [{ target: "Request", selector: { method: "delete", request_headers: { "X-Tenant": "a" } }, actions: { abort: true }, port: p }]);
    await closedWithoutAnswer(send(port, { method: "DELETE", headers: { "x-tenant": "a" } }));
    expect((await send(port, { method: "DELETE", headers: { "x-tenant": "ab" } })).code).toBe(200);
    expect((await send(port, { method: "GET", headers: { "x-tenant": "a" } })).code).toBe(200);
  });

  it("takes new rules at once with setRules", async () => {
    const port = await setUp(() => []);
    expect((await send(port)).code).toBe(200);
    proxy.setRules([{ target: "Request", selector: {}, actions: { abort: true }, port: server.port }]);
    await closedWithoutAnswer(send(port));
    proxy.setRules([{ target: "Request", selector: {}, actions: { abort: true }, port: server.port + 1 }]); // another port's rule
    expect((await send(port)).code).toBe(200);
  });
});

describe("startHttpProxy: Response rules", () => {
  it("replaces the code, headers and body of answers with the selected code; others pass", async () => {
    const port = await setUp((p) => [
      { target: "Response", selector: { code: 404 }, actions: { replace: { code: 200, headers: { "Content-Type": "text/html" }, body: Buffer.from("<p>found</p>").toString("base64") } }, port: p },
    ]);
    const replaced = await send(port, { path: "/status/404" });
    expect(replaced).toMatchObject({ code: 200, text: "<p>found</p>" });
    expect(header(replaced.headers, "content-type")).toBe("text/html");
    expect(header(replaced.headers, "content-length")).toBe("12");
    expect(await send(port, { path: "/status/500" })).toMatchObject({ code: 500, text: "status 500" });
    expect(server.received.map((e) => e.url)).toEqual(["/status/404", "/status/500"]); // the server answered both
  });

  it("merge-patches a JSON answer (also a gzipped one) and adds headers, selected by response headers", async () => {
    const port = await setUp((p) => [
      {
        target: "Response",
        selector: { path: "/*json", response_headers: { "Content-Type": "application/json" } },
        actions: { patch: { body: { type: "JSON", value: '{"name":"chaos","nested":{"a":null,"c":3}}' }, headers: [["X-Chaos", "patched"]] } },
        port: p,
      },
    ]);
    for (const path of ["/json", "/gzip-json"]) {
      const seen = await send(port, { path, headers: { "accept-encoding": "gzip" } });
      expect(JSON.parse(seen.text)).toEqual({ name: "chaos", items: [1, 2], nested: { b: 2, c: 3 } });
      expect(header(seen.headers, "x-chaos")).toBe("patched");
      expect(header(seen.headers, "content-encoding")).toBeUndefined();
    }
    const echo = await send(port, { path: "/echo-json" }); // the echo's answer is JSON too, but its path…
    expect(header(echo.headers, "x-chaos")).toBe("patched");
    expect((await send(port, { path: "/status/200" })).text).toBe("status 200"); // text/plain: not selected
  });

  it("aborts after the server answered, and delays answers", async () => {
    const port = await setUp((p) => [
      { target: "Response", selector: { path: "/status/*", code: 503 }, actions: { abort: true }, port: p },
      { target: "Response", selector: { path: "/status/*" }, actions: { delay: "200ms" }, port: p },
    ]);
    await closedWithoutAnswer(send(port, { path: "/status/503" }));
    expect(server.received.map((e) => e.url)).toEqual(["/status/503"]);
    const start = performance.now();
    expect((await send(port, { path: "/status/201" })).code).toBe(201);
    expect(performance.now() - start).toBeGreaterThanOrEqual(195);
  });
});

describe("startHttpProxy: TLS and HTTP/2", () => {
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(() => {
    certs = makeCertificates();
  });

  const httpsGet = (port: number, path: string, ca: string) =>
    new Promise<{ code: number; text: string; chaos?: string }>((resolve, reject) => {
      httpsRequest({ host: testHost, port, path, ca, servername: "server.test", agent: false }, (res) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString()));
        res.on("end", () => resolve({ code: res.statusCode!, text: t, chaos: res.headers["x-chaos"] as string | undefined }));
      })
        .on("error", reject)
        .end();
    });

  it("with tls: terminates with the given certificate, applies the rules, re-encrypts to the server (verified against ca)", async () => {
    const port = await setUp((p) => [{ target: "Response", selector: { path: "/json" }, actions: { patch: { body: { type: "JSON", value: '{"name":"chaos"}' }, headers: [["X-Chaos", "1"]] } }, port: p }], {
      proxy: { cert: certs.cert, key: certs.key, ca: certs.ca },
      server: { cert: certs.cert, key: certs.key },
    });
    const seen = await httpsGet(port, "/json", certs.ca);
    expect(seen.chaos).toBe("1");
    expect(JSON.parse(seen.text)).toMatchObject({ name: "chaos" });
    // a ca the server's certificate is not from: the proxy refuses the server
    proxy.setTls({ cert: certs.cert, key: certs.key, ca: certs.otherCa });
    expect((await httpsGet(port, "/json", certs.ca)).code).toBe(502);
    // no ca: the server is not verified
    proxy.setTls({ cert: certs.cert, key: certs.key });
    expect((await httpsGet(port, "/json", certs.ca)).chaos).toBe("1");
    expect(() => proxy.setTls({ cert: "not a pem", key: certs.key })).toThrow();
  });

  it("without tls: pipes TLS through untouched (the client talks to the server itself, no rule applies)", async () => {
    const port = await setUp((p) => [{ target: "Response", selector: {}, actions: { patch: { headers: [["X-Chaos", "1"]] } }, port: p }], { server: { cert: certs.cert, key: certs.key } });
    const seen = await httpsGet(port, "/json", certs.ca);
    expect(seen.chaos).toBeUndefined();
    expect(JSON.parse(seen.text)).toMatchObject({ name: "server" });
    // the certificate the client saw is the server's own
    const peer = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: testHost, port, ca: certs.ca, servername: "server.test" }, () => (resolve(s.getPeerCertificate().subject.CN), s.end()));
      s.on("error", reject);
    });
    expect(peer).toBe("server.test");
  });

  it("pipes HTTP/2 with prior knowledge through untouched", async () => {
    const port = await setUp((p) => [{ target: "Request", selector: {}, actions: { abort: true }, port: p }]);
    const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // the test server speaks HTTP/1.1: it answers the preface with 400 — what matters is that it is the server answering
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: testHost, port }, () => {
        s.write(preface.slice(0, 2)); // the preface split: the proxy waits for "PRI " before deciding
        setTimeout(() => s.write(preface.slice(2)), 20);
      });
      let t = "";
      s.on("data", (c: Buffer) => (t += c.toString()));
      s.on("close", () => resolve(t));
      s.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe("startHttpProxy: upgrades", () => {
  it("relays an upgrade (WebSocket's way) as it came and pipes both ways after it, applying no rule", async () => {
    const port = await setUp((p) => [{ target: "Request", selector: {}, actions: { replace: { headers: { "X-Chaos": "1" } } }, port: p }]);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: testHost, port }, () => s.write("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n"));
      let t = "";
      s.on("data", (c: Buffer) => {
        t += c.toString();
        if (t.endsWith("\r\n\r\n")) s.write("hello");
        if (t.endsWith("HELLO")) (resolve(t), s.destroy());
      });
      s.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[^]*\r\n\r\nHELLO$/);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.headers).toEqual([["Host", "h"], ["Connection", "Upgrade"], ["Upgrade", "shout"]]); // untouched
  });
});

describe("startHttpProxy: listeners", () => {
  it("adds and removes listeners with setListeners, and fails to start on a port in use", async () => {
    const port = await setUp(() => []);
    const second = await startTestServer();
    cleanups.push(() => second.close());
    const ports = await proxy.setListeners([
      { port: 0, serverPort: server.port },
      { port: 0, serverPort: second.port },
    ]);
    expect(ports[0]).toBe(port); // kept
    await send(ports[1]!, { path: "/second" });
    expect(second.received.map((e) => e.url)).toEqual(["/second"]);
    await proxy.setListeners([{ port: 0, serverPort: second.port }]);
    expect(proxy.ports).toEqual([ports[1]]);
    await expect(send(port)).rejects.toThrow(/ECONNREFUSED/);
    await expect(startHttpProxy({ host: testHost, listeners: [{ port: ports[1]!, serverPort: 1 }], rules: [] })).rejects.toThrow(/EADDRINUSE/);
  });

  it("keeps a port's socket when a reload changes its serverPort, and forwards to the new one", async () => {
    await setUp(() => []);
    const second = await startTestServer();
    cleanups.push(() => second.close());
    const fixed = proxy.ports[0]!;
    const other = await startHttpProxy({ host: testHost, listeners: [{ port: 0, serverPort: server.port }], rules: [] });
    const port = other.ports[0]!;
    await other.close(); // a fixed, known-free port for the listener below
    const p = await startHttpProxy({ host: testHost, listeners: [{ port, serverPort: server.port }], rules: [] });
    cleanups.push(() => p.close());
    await send(port, { path: "/first" });
    expect(await p.setListeners([{ port, serverPort: second.port }])).toEqual([port]);
    await send(port, { path: "/then-second" });
    expect(server.received.map((e) => e.url)).toEqual(["/first"]);
    expect(second.received.map((e) => e.url)).toEqual(["/then-second"]);
    // a port that cannot listen: rejected, and nothing changed
    await expect(p.setListeners([{ port, serverPort: server.port }, { port: fixed, serverPort: 1 }])).rejects.toThrow(/EADDRINUSE/);
    await send(port, { path: "/still-second" });
    expect(second.received.map((e) => e.url)).toEqual(["/then-second", "/still-second"]);
  });
});
