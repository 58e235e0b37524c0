// A real HTTP server on 127.0.0.1 for tests to probe, whose health a test switches: "healthy"
// answers 200, "unhealthy" 503, "hang" never answers; `route` serves other paths (redirects, …).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type TargetHealth = "healthy" | "unhealthy" | "hang";

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export class HttpTarget {
  health: TargetHealth = "healthy";
  readonly requests: SeenRequest[] = [];
  readonly routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  port = 0;

  /** `http://127.0.0.1:<port><path>` */
  url(path = "/healthz"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path` seen so far. */
  requestsTo(path = "/healthz"): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.requests.push({ method: req.method ?? "", path, headers: req.headers, body, at: Date.now() });
        const route = this.routes.get(path);
        if (route) return route(req, res);
        if (this.health === "hang") {
          this.hanging.add(res);
          res.on("close", () => this.hanging.delete(res));
          return;
        }
        res.writeHead(this.health === "healthy" ? 200 : 503, { "content-type": "text/plain" });
        res.end(this.health);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
