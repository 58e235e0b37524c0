// The dashboard's HTTP server: the UI's files, `api/config`, and `api/kube/*` forwarded to the
// API server with the user's own rights (see the README's "Running it" and the design's contract).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { apiServerTarget } from "./api-server-target.js";
import { dashboardConfigOf, dashboardVersion } from "./dashboard-config.js";
import { DashboardUsageError, resolveDashboardOptions, type DashboardServerOptions } from "./dashboard-options.js";
import { forwardToApiServer, InFlight } from "./kube-forwarding.js";
import { kubePathOf, kubeRoute } from "./kube-path.js";
import { sendStatus } from "./kube-status.js";
import { allowedHosts, hostAllowed, hostPort, isLoopback, newSessionSecret, sessionHeader, sessionMatches } from "./request-guards.js";
import { securityHeaders } from "./security-headers.js";
import { serveWatches, watchesRoute } from "./watch-mux.js";
import { defaultUiDir, serveStatic } from "./static-files.js";

export interface DashboardServer {
  /** The dashboard's address, `http://host:port/`. */
  url: string;
  /** The URL to open: with `?session=<secret>` in kubeconfig mode (the same as `url` in token mode). */
  sessionUrl: string;
  /** The session secret (kubeconfig mode) that `api/kube/*` requests carry in `X-Faultline-Session`. */
  session?: string;
  mode: "kubeconfig" | "token";
  /** How many watches are open to the API server now (plain `?watch=1` and those of `api/watches` streams). */
  openWatches(): number;
  /** Stops listening, ends open watches, lets other requests finish (for up to 2 s) and releases the API server connection. */
  close(): Promise<void>;
}

/** How long shutdown waits for connections to end before closing them. */
const closeGraceMs = 2_000;

/**
 * Starts the dashboard server. Throws a DashboardUsageError for a bad option, a DashboardStartError
 * for an unreadable kubeconfig or CA file, and the listen error (EADDRINUSE…) as it is.
 */
export async function startDashboardServer(options: DashboardServerOptions = {}, context: { env?: { [name: string]: string | undefined } } = {}): Promise<DashboardServer> {
  const resolved = resolveDashboardOptions(options);
  const target = apiServerTarget(resolved.auth, { ...(context.env === undefined ? {} : { env: context.env }), userAgent: `faultline-dashboard/${dashboardVersion}` });
  const uiDir = resolved.uiDir ?? defaultUiDir;
  const session = target.mode === "kubeconfig" ? newSessionSecret() : undefined;
  const config = JSON.stringify(dashboardConfigOf(target, resolved.faultlineNamespace));
  const inFlight = new InFlight();
  let hosts: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(securityHeaders())) res.setHeader(name, value);
    const raw = req.url ?? "/";
    if (!raw.startsWith("/")) return sendStatus(res, 400, "BadRequest", "the request target must be a path");
    const queryAt = raw.indexOf("?");
    const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
    const query = queryAt === -1 ? "" : raw.slice(queryAt);
    if (session !== undefined && !hostAllowed(req.headers.host, hosts)) {
      req.resume();
      return sendStatus(res, 401, "Unauthorized", `the Host header ${JSON.stringify(req.headers.host ?? "")} is not this dashboard's (${hosts.join(", ")}): refused, so a site that points its name at this address cannot use your kubeconfig`);
    }
    if (path === "/api/config") {
      req.resume();
      if (req.method !== "GET") return sendStatus(res, 405, "MethodNotAllowed", `api/config: only GET, not ${req.method}`);
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(config);
      return;
    }
    if (path.startsWith(kubeRoute) || path === watchesRoute) {
      if (session !== undefined && !sessionMatches(req.headers[sessionHeader], session)) {
        req.resume();
        return sendStatus(res, 401, "Unauthorized", "no valid session: open the dashboard with the URL it printed at start (…/?session=…); every api/kube and api/watches request carries X-Faultline-Session");
      }
      if (path === watchesRoute) return serveWatches(req, res, target, inFlight);
      const kubePath = kubePathOf(path);
      if (!kubePath.ok) {
        req.resume();
        return sendStatus(res, kubePath.code, kubePath.code === 404 ? "NotFound" : "BadRequest", kubePath.message);
      }
      return forwardToApiServer(req, res, target, kubePath.path + query, inFlight);
    }
    if (path === "/api" || path.startsWith("/api/")) {
      req.resume();
      return sendStatus(res, 404, "NotFound", `${path}: the dashboard serves api/config, api/kube/… and api/watches only`);
    }
    req.resume();
    return serveStatic(req, res, uiDir, path);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => sendStatus(res, 500, "InternalError", err.message));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    target.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  if (target.mode === "kubeconfig" && !isLoopback(address.address)) {
    // a name (localhost) resolved to an address that is not loopback: the credentials would be served beyond this machine
    await new Promise<void>((resolve) => server.close(() => resolve()));
    target.close();
    throw new DashboardUsageError(`--host ${resolved.host}: it listens on ${address.address}, not a loopback address; kubeconfig mode serves your own credentials over plain HTTP, so it listens on loopback only`);
  }
  const port = address.port;
  hosts = allowedHosts(resolved.host, port);
  const url = `http://${hostPort(resolved.host, port)}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    sessionUrl: session === undefined ? url : `${url}?session=${session}`,
    ...(session === undefined ? {} : { session }),
    mode: target.mode,
    openWatches: () => inFlight.openWatches,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), closeGraceMs);
        server.close(() => {
          clearTimeout(force);
          target.close();
          resolve();
        });
        inFlight.endWatches();
        server.closeIdleConnections();
      })),
  };
}
