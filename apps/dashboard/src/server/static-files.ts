// The built UI (dist/ui): its files as they are, `index.html` for `/`. Nothing outside the UI
// directory is served.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The built UI next to the compiled server: dist/server/*.js → dist/ui (also from src/server in tests). */
export const defaultUiDir = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

const contentTypes: { [extension: string]: string } = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The file under `uiDir` for a URL path (`/` → index.html); undefined for a path that leaves it or is malformed. */
export function staticFileOf(uiDir: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const relative = decoded === "/" || decoded === "" ? "index.html" : decoded.replace(/^\/+/, "");
  const root = resolve(uiDir);
  const file = resolve(join(root, relative));
  return file.startsWith(root + sep) ? file : undefined;
}

/** Serves a GET/HEAD of the UI; answers 404 (or 503 when the UI was never built). */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, uiDir: string, urlPath: string): Promise<void> {
  const plain = (code: number, text: string) => {
    res.writeHead(code, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    res.end(`${text}\n`);
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    plain(405, `${req.method} is not allowed here`);
    return;
  }
  const file = staticFileOf(uiDir, urlPath);
  if (file === undefined) return plain(404, "not found");
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (file.endsWith(`${sep}index.html`) && !(await stat(uiDir).catch(() => undefined))) {
      return plain(503, `the dashboard's UI is not built (no ${uiDir}): run npm run build -w @faultline/dashboard`);
    }
    return plain(404, "not found");
  }
  res.writeHead(200, {
    "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
    "content-length": info.size,
    // Vite's assets carry a content hash in their name; index.html must be read afresh
    "cache-control": urlPath.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file).on("error", () => res.destroy()).pipe(res);
}
