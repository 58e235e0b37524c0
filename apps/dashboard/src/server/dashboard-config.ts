// `GET api/config`: what the UI needs to know before its first Kubernetes request (no auth needed).
import { readFileSync } from "node:fs";
import type { ApiServerTarget } from "./api-server-target.js";

export interface DashboardConfig {
  mode: "kubeconfig" | "token";
  /** The API server's URL. */
  cluster: string;
  context?: string;
  user?: string;
  faultlineNamespace: string;
  version: string;
}

/** This package's version (its package.json, two levels above src/server and dist/server). */
export const dashboardVersion: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function dashboardConfigOf(target: ApiServerTarget, faultlineNamespace: string): DashboardConfig {
  return {
    mode: target.mode,
    cluster: target.server.href.replace(/\/$/, ""),
    ...(target.context === undefined ? {} : { context: target.context }),
    ...(target.user === undefined ? {} : { user: target.user }),
    faultlineNamespace,
    version: dashboardVersion,
  };
}
