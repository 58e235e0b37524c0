// @faultline/dashboard — the dashboard's server as a library: startDashboardServer serves the
// built UI and forwards its Kubernetes requests with the user's own kubeconfig or bearer token.
export { startDashboardServer } from "./dashboard-server.js";
export type { DashboardServer } from "./dashboard-server.js";
export { dashboardUsage, DashboardUsageError, parseDashboardArgs, resolveDashboardOptions } from "./dashboard-options.js";
export type { DashboardServerOptions, ResolvedDashboardOptions } from "./dashboard-options.js";
export { DashboardStartError } from "./api-server-target.js";
export type { DashboardConfig } from "./dashboard-config.js";
export type { KubeStatus } from "./kube-status.js";
export { sessionHeader } from "./request-guards.js";
