// @faultline/daemon — the daemon as a function, for custom daemons that serve their own kinds:
//   runDaemonProcess({ kinds: [...builtInChaosKinds, myChaos] });
export { runDaemon, runDaemonProcess } from "./run-daemon.js";
export type { RunDaemonOptions } from "./run-daemon.js";
export { DaemonConfigError, daemonUsage, parseDaemonConfig } from "./daemon-config.js";
export type { DaemonConfig } from "./daemon-config.js";
