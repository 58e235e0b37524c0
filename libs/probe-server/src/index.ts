// @faultline/probe-server — /healthz, /readyz and /metrics for Faultline's processes.
export { createProbeServer } from "./probe-server.js";
export type { ProbeServer, ProbeServerOptions } from "./probe-server.js";
