// Test support for the proxy's specs: a server of the test's own on loopback that says what it
// received, a small keep-alive client, and a CA with a server certificate (openssl CLI).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The loopback address the specs' servers, proxies and clients use: not 127.0.0.1, so a proxy that
 * forwarded to "localhost" instead of the address a connection arrived at would not reach the server.
 */
export const testHost = "127.0.0.2";

/** What the echo server received for one request. */
export interface Echo {
  method: string;
  url: string;
  /** rawHeaders as pairs. */
  headers: Array<[string, string]>;
  body: string;
  bodyLength: number;
}

export interface TestServer {
  readonly port: number;
  /** Every request, as received. */
  readonly received: Echo[];
  /** Called with each request before it is answered by the routes below (a test may take it over: return true). */
  hook?: (req: IncomingMessage, res: ServerResponse) => boolean;
  close(): Promise<void>;
}

/**
 * Routes: `/json` answers {"name":"server","items":[1,2],"nested":{"a":1,"b":2}}; `/gzip-json`
 * the same gzipped; `/status/<n>` that code with body "status <n>"; `/big/<bytes>` that many "x"
 * (Content-Length); `/chunked` three chunks; anything else: 200 with the Echo as JSON (header
 * `x-server: echo`). An upgrade to anything is answered 101, then the bytes it gets upper-cased.
 */
export async function startTestServer(tls?: { cert: string; key: string }): Promise<TestServer> {
  const received: Echo[] = [];
  const upgraded = new Set<{ destroy(): void }>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (server.hook?.(req, res) === true) return;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const echo: Echo = { method: req.method!, url: req.url!, headers: pairs(req.rawHeaders), body: body.toString("utf8"), bodyLength: body.length };
      received.push(echo);
      const url = req.url!;
      const json = JSON.stringify({ name: "server", items: [1, 2], nested: { a: 1, b: 2 } });
      if (url === "/json") return void res.writeHead(200, { "content-type": "application/json" }).end(json);
      if (url === "/gzip-json") return void res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(gzipSync(json));
      const status = /^\/status\/(\d+)$/.exec(url);
      if (status) return void res.writeHead(Number(status[1]), { "content-type": "text/plain" }).end(`status ${status[1]}`);
      const big = /^\/big\/(\d+)$/.exec(url);
      if (big) return void res.writeHead(200, { "content-length": big[1] }).end(Buffer.alloc(Number(big[1]), "x"));
      if (url === "/chunked") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("one,");
        res.write("two,");
        return void res.end("three");
      }
      res.writeHead(200, { "content-type": "application/json", "x-server": "echo" }).end(JSON.stringify(echo));
    });
  };
  const server: TestServer & { http?: Server } = {
    port: 0,
    received,
    close: () => new Promise<void>((resolve) => (http.closeAllConnections(), upgraded.forEach((u) => u.destroy()), http.close(() => resolve()))),
  };
  const http: Server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
  // an upgrade to "shout": 101, then every byte received is sent back upper-cased
  http.on("upgrade", (req: IncomingMessage, socket: import("node:net").Socket) => {
    received.push({ method: req.method!, url: req.url!, headers: pairs(req.rawHeaders), body: "", bodyLength: 0 });
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n");
    socket.on("data", (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on("end", () => socket.end());
    socket.on("error", () => {});
    upgraded.add(socket);
  });
  await new Promise<void>((resolve) => http.listen(0, testHost, () => resolve()));
  (server as { port: number }).port = (http.address() as { port: number }).port;
  return server;
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** A response as the client saw it. */
export interface Seen {
  code: number;
  headers: Array<[string, string]>;
  body: Buffer;
  text: string;
  /** The local port of the client's connection (tells whether two requests shared one). */
  localPort: number;
}

/** Sends one request and reads its whole response; rejects when the connection is closed without one. */
export function send(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: testHost, port, method: opts.method ?? "GET", path: opts.path ?? "/", headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ code: res.statusCode!, headers: pairs(res.rawHeaders), body, text: body.toString("utf8"), localPort: req.socket?.localPort ?? res.socket.localPort! });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The value of a header among pairs (names case-insensitive; several joined by ", "), or undefined. */
export function header(pairs: Array<[string, string]>, name: string): string | undefined {
  const values = pairs.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(", ");
}

/** A CA and a certificate it signed for "server.test" (EC keys: quick to make). */
export function makeCertificates(): { ca: string; cert: string; key: string; otherCa: string } {
  const dir = mkdtempSync(join(tmpdir(), "faultline-http-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl("req", "-x509", ...ec, "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.crt");
    openssl("req", "-x509", ...ec, "-days", "1", "-subj", "/CN=other-ca", "-keyout", "other.key", "-out", "other.crt");
    openssl("req", ...ec, "-subj", "/CN=server.test", "-keyout", "server.key", "-out", "server.csr");
    const ext = join(dir, "ext.cnf");
    execFileSync("sh", ["-c", `printf 'subjectAltName=DNS:server.test\\n' > ${ext}`]);
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", "server.crt");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return { ca: read("ca.crt"), cert: read("server.crt"), key: read("server.key"), otherCa: read("other.crt") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
