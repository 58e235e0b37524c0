// HTTPChaos's proxy: what runs inside a target pod's network namespace, where the daemon redirects
// the pod's incoming TCP traffic for a rule's port (iptables nat PREROUTING REDIRECT) to one of the
// proxy's listeners. It applies the rules (http-rules.ts) and forwards each request to the original
// server on the same pod: the connection's own local address (the pod address it arrived at) and
// the listener's serverPort. The proxy's connections to the server are made inside the pod, so they
// pass through OUTPUT, not PREROUTING, and are not redirected again.
//
// Per connection, from its first bytes:
//   - HTTP/1.x: parsed by node:http, requests forwarded over a keep-alive pool (http.Agent); bodies
//     are STREAMED both ways unless a rule met needs the whole body (a replace or patch of it), and
//     so are chunked ones (node:http frames each side: the server's Content-Length is kept, or
//     chunked is used). Upgrades (WebSocket) are relayed as they are, with no rule applied.
//   - TLS (first byte 0x16, a ClientHello): with `tls` {cert, key, ca?} given, terminated here with
//     that certificate and key, the requests handled as above, and re-encrypted to the server
//     (verified against `ca` when given, with the client's SNI as the name; NOT verified when no ca
//     is given: the server is the pod's own, on the pod's own address). Without `tls`: piped to the
//     server untouched at the TCP level, no rule applied.
//   - HTTP/2 with prior knowledge (preface "PRI * HTTP/2.0"): piped untouched, no rule applied.
//
// Connections are redirected when they are opened: a keep-alive connection opened BEFORE the redirect
// keeps its original path (conntrack remembers it) and never reaches the proxy; one opened while the
// redirect was in place keeps reaching the proxy until it closes, even after the redirect is removed
// (the proxy keeps serving it, with the rules in force: none once recovered).

import { connect as netConnect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Duplex } from "node:stream";
import { createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import { editRequest, editResponse, flatHeaders, headerPairs, withoutHopByHop } from "./http-edits.js";
import { compileHttpRule, planActions, requestMatches, responseMatches, type CompiledHttpRule, type HttpRule } from "./http-rules.js";

/** One port the proxy listens on, and the server port on the same pod its traffic was for. */
export interface HttpProxyListener {
  /** The port to listen on (0: any free one, for tests). */
  readonly port: number;
  /** The server's port, which the rules' `port` names. */
  readonly serverPort: number;
  /** Where the server is; absent (as in a pod): the address the connection arrived at. */
  readonly serverHost?: string;
}

/** The TLS material of Chaos Mesh's `tls` (PEM text). */
export interface HttpProxyTls {
  readonly cert: string;
  readonly key: string;
  /** The CA the server's certificate is verified against; absent: the server is not verified. */
  readonly ca?: string;
}

export interface HttpProxyOptions {
  /** The address the listeners bind (the pod's: "0.0.0.0"; tests: "127.0.0.1"). */
  readonly host: string;
  readonly listeners: readonly HttpProxyListener[];
  readonly rules: readonly HttpRule[];
  readonly tls?: HttpProxyTls | null;
  /** Told about failures (the server unreachable, a body it could not edit); none by default. */
  readonly log?: (event: Record<string, unknown>) => void;
}

export interface HttpProxy {
  /** The ports listened on, one per listener, in order (the real ones when 0 was asked). */
  readonly ports: number[];
  /** Uses these rules for every request from now on (requests in flight keep theirs). */
  setRules(rules: readonly HttpRule[]): void;
  /** Terminates TLS with this material from now on (null: pipe TLS through); throws, changing nothing, on a bad certificate or key. */
  setTls(tls: HttpProxyTls | null): void;
  /**
   * Listens on exactly these, one per port (a port already listened on stays, its serverPort
   * updated; a port gone stops accepting, its open connections served until they close); resolves
   * with the ports, as `ports`. If one cannot listen, it rejects and nothing changes.
   */
  setListeners(listeners: readonly HttpProxyListener[]): Promise<number[]>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Listeners are one per port: a listener whose serverPort changes on a reload keeps its socket (port 0, for tests: any free one, told apart by the rest). */
const listenerKey = (l: HttpProxyListener) => (l.port !== 0 ? String(l.port) : `0/${l.serverPort}/${l.serverHost ?? ""}`);

interface Listening {
  /** Read at each connection and request: a reload may change its serverPort. */
  listener: HttpProxyListener;
  readonly server: NetServer;
  readonly http: HttpServer;
  port: number;
}

/** Starts the proxy: resolves once every listener listens (rejects, with none left, if one cannot). */
export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  const log = options.log ?? (() => {});
  let rules: CompiledHttpRule[] = options.rules.map(compileHttpRule);
  const tls: HttpProxyTls | null = options.tls ?? null;
  let secureContext: SecureContext | undefined = tls === null ? undefined : createSecureContext({ cert: tls.cert, key: tls.key });
  /** The address each terminated TLS connection arrived at (a TLSSocket over a stream has none of its own). */
  const arrivedAt = new WeakMap<object, string>();
  const httpAgent = new HttpAgent({ keepAlive: true, timeout: 4000 });
  let httpsAgent = newHttpsAgent(tls);
  const sockets = new Set<Socket>();
  let listening: Listening[] = [];
  let closed = false;

  const track = (s: Socket) => (sockets.add(s), s.once("close", () => sockets.delete(s)));

  function newHttpsAgent(t: HttpProxyTls | null): HttpsAgent {
    return new HttpsAgent({ keepAlive: true, timeout: 4000, ...(t?.ca !== undefined ? { ca: t.ca } : { rejectUnauthorized: false }) });
  }

  /** Pipes a connection to the server untouched (TLS without material, HTTP/2, upgrades). */
  function pipeThrough(client: Socket, listener: HttpProxyListener, first: Buffer): void {
    const server = track(netConnect({ host: listener.serverHost ?? client.localAddress!, port: listener.serverPort }));
    server.write(first);
    client.pipe(server).on("error", () => {});
    server.pipe(client);
    client.on("error", () => server.destroy());
    server.on("error", (err) => (log({ event: "server-unreachable", port: listener.serverPort, error: err.message }), client.destroy()));
    client.on("close", () => server.destroy());
    server.on("close", () => client.destroy());
    client.resume();
  }

  /**
   * Terminates TLS on a connection whose first bytes (the ClientHello) were read already: node:tls
   * wraps a net.Socket's handle directly and would not see them, so it is given a stream over the
   * socket that starts with them. Its requests go to the listener's node:http server as any other.
   */
  function terminateTls(l: Listening, client: Socket, head: Buffer, context: SecureContext): void {
    const stream = new Duplex({
      read: () => void client.resume(),
      write: (chunk: Buffer, _enc, cb) => void client.write(chunk, cb),
      final: (cb) => (client.end(), cb()),
      destroy: (err, cb) => (client.destroy(err ?? undefined), cb(err)),
    });
    stream.push(head);
    client.on("data", (d: Buffer) => void (stream.push(d) || client.pause()));
    client.on("end", () => stream.push(null));
    client.on("close", () => stream.destroy());
    const secure = new TLSSocket(stream, { isServer: true, secureContext: context });
    arrivedAt.set(secure, client.localAddress!);
    secure.on("error", (err) => (log({ event: "tls-client-error", error: err.message }), client.destroy()));
    l.http.emit("connection", secure);
  }

  function onConnection(l: Listening, client: Socket): void {
    track(client);
    client.on("error", () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      // TLS: one byte says it; HTTP/2's preface needs four ("PRI ") to tell it from a request line
      if (head[0] !== 0x16 && head.length < 4 && "PRI ".startsWith(head.toString("latin1"))) return;
      client.off("data", onData);
      client.pause();
      if (head[0] === 0x16) {
        if (secureContext === undefined) return pipeThrough(client, l.listener, head);
        terminateTls(l, client, head, secureContext);
      } else if (head.subarray(0, 4).toString("latin1") === "PRI ") {
        pipeThrough(client, l.listener, head);
      } else {
        client.unshift(head);
        l.http.emit("connection", client);
        client.resume(); // paused above: node:http does not resume a socket handed to it
      }
    };
    client.on("data", onData);
  }

  function wait(ms: number, req: IncomingMessage): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => (req.socket.off("close", gone), resolve(true)), ms);
      const gone = () => (clearTimeout(timer), resolve(false));
      req.socket.once("close", gone);
    });
  }

  function readAll(stream: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve(Buffer.concat(chunks)));
      stream.on("error", reject);
      stream.on("aborted", () => reject(new Error("aborted")));
    });
  }

  async function onRequest(listener: HttpProxyListener, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const facts = { port: listener.serverPort, method: req.method!, url: req.url!, headers: req.rawHeaders };
    const inForce = rules;
    const plan = planActions(inForce.filter((r) => r.rule.target === "Request" && requestMatches(r, facts)));
    const responseRules = inForce.filter((r) => r.rule.target === "Response" && requestMatches(r, facts));
    if (!(await wait(plan.delayMs, req))) return;
    if (plan.abort) return void req.socket.destroy();

    const body = plan.readsBody ? await readAll(req).catch(() => undefined) : undefined;
    if (plan.readsBody && body === undefined) return void req.socket.destroy();
    // node:http has answered "Expect: 100-continue" already (100 Continue, then this request): the
    // body comes as it would to the server, so the server is not asked to wait for it again
    const received = withoutHopByHop(headerPairs(req.rawHeaders)).filter(([n]) => n.toLowerCase() !== "expect");
    const edited = editRequest({ method: req.method!, url: req.url!, headers: received }, plan.edits, body);
    if (plan.readsBody && edited.body === body && body !== undefined) log({ event: "body-not-edited", why: "its content-encoding is not one the proxy reads", url: req.url });

    const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
    const servername = secure ? (req.socket as TLSSocket & { servername?: string | false }).servername : undefined; // the client's SNI
    const upstream = (secure ? httpsRequest : httpRequest)({
      host: listener.serverHost ?? req.socket.localAddress ?? arrivedAt.get(req.socket),
      port: listener.serverPort,
      method: edited.head.method,
      path: edited.head.url,
      headers: flatHeaders(edited.head.headers) as unknown as Record<string, string>,
      agent: secure ? httpsAgent : httpAgent,
      ...(typeof servername === "string" ? { servername } : {}),
      setHost: false,
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("error", (err) => {
      log({ event: "server-error", port: listener.serverPort, url: req.url, error: err.message });
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain", connection: "close" });
        res.end(`HTTPChaos proxy: the server on port ${listener.serverPort} failed: ${err.message}\n`);
      } else res.destroy();
    });
    upstream.on("response", (upRes) => void onResponse(responseRules, req, res, upRes));
    if (edited.body !== undefined) upstream.end(edited.body);
    else req.pipe(upstream);
  }

  async function onResponse(candidates: CompiledHttpRule[], req: IncomingMessage, res: ServerResponse, upRes: IncomingMessage): Promise<void> {
    const code = upRes.statusCode!;
    const plan = planActions(candidates.filter((r) => responseMatches(r, { code, headers: upRes.rawHeaders })));
    if (plan.delayMs > 0) upRes.pause();
    if (!(await wait(plan.delayMs, req))) return void upRes.destroy();
    if (plan.abort) return (upRes.destroy(), void req.socket.destroy());
    const headers = withoutHopByHop(headerPairs(upRes.rawHeaders));
    if (!plan.readsBody) {
      const edited = editResponse({ code, headers }, plan.edits);
      if (edited.head.code === code) res.writeHead(code, upRes.statusMessage, flatHeaders(edited.head.headers));
      else res.writeHead(edited.head.code, flatHeaders(edited.head.headers));
      upRes.pipe(res);
      upRes.on("error", () => res.destroy());
      return;
    }
    const body = await readAll(upRes).catch(() => undefined);
    if (body === undefined) return void res.destroy();
    const edited = editResponse({ code, headers }, plan.edits, body);
    res.writeHead(edited.head.code, flatHeaders(edited.head.headers));
    res.end(edited.body);
  }

  /** An upgrade (WebSocket): its request relayed as it came, then both ways piped. */
  function onUpgrade(listener: HttpProxyListener, req: IncomingMessage, client: Socket, rest: Buffer): void {
    let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (const [n, v] of headerPairs(req.rawHeaders)) head += `${n}: ${v}\r\n`;
    pipeThrough(client, listener, Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), rest]));
  }

  async function listen(listener: HttpProxyListener): Promise<Listening> {
    const handler = (req: IncomingMessage, res: ServerResponse) =>
      void onRequest(l.listener, req, res).catch((err: Error) => (log({ event: "proxy-error", error: err.message }), req.socket.destroy()));
    const serverOptions = { keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 };
    const http = createHttpServer(serverOptions, handler);
    http.keepAliveTimeout = serverOptions.keepAliveTimeout;
    http.on("upgrade", (req: IncomingMessage, socket: Socket, rest: Buffer) => onUpgrade(l.listener, req, socket, rest));
    http.on("clientError", (_err, socket: Socket) => socket.destroy());
    const server = createNetServer({ pauseOnConnect: false });
    const l: Listening = { listener, server, http, port: 0 };
    server.on("connection", (client) => onConnection(l, client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: options.host, port: listener.port }, () => (server.off("error", reject), resolve()));
    });
    l.port = (server.address() as { port: number }).port;
    return l;
  }

  const stop = (l: Listening) => new Promise<void>((resolve) => l.server.close(() => resolve()));

  async function setListeners(next: readonly HttpProxyListener[]): Promise<number[]> {
    const keep = new Map(listening.map((l) => [listenerKey(l.listener), l]));
    const out: Listening[] = [];
    const started: Listening[] = [];
    const updates: Array<[Listening, HttpProxyListener]> = [];
    try {
      for (const wanted of next) {
        const have = keep.get(listenerKey(wanted));
        if (have !== undefined) (keep.delete(listenerKey(wanted)), out.push(have), updates.push([have, wanted]));
        else {
          const l = await listen(wanted);
          started.push(l);
          out.push(l);
        }
      }
    } catch (err) {
      await Promise.all(started.map(stop));
      throw err;
    }
    for (const [l, wanted] of updates) l.listener = wanted;
    await Promise.all([...keep.values()].map(stop));
    listening = out;
    return out.map((l) => l.port);
  }

  await setListeners(options.listeners);

  return {
    get ports() {
      return listening.map((l) => l.port);
    },
    setRules(next) {
      rules = next.map(compileHttpRule);
    },
    setTls(next) {
      secureContext = next === null ? undefined : createSecureContext({ cert: next.cert, key: next.key }); // throws on a bad certificate or key, before anything changes
      const old = httpsAgent;
      httpsAgent = newHttpsAgent(next);
      old.destroy();
    },
    setListeners: (next) => {
      if (closed) return Promise.reject(new Error("the proxy is closed"));
      return setListeners(next);
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = listening;
      listening = [];
      const stopped = Promise.all(all.map(stop));
      for (const s of sockets) s.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
      await stopped;
    },
  };
}
