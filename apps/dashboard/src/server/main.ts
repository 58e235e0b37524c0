#!/usr/bin/env node
// The `faultline-dashboard` binary: flags → startDashboardServer, one line with the URL on stdout,
// served until SIGINT or SIGTERM. The version guard comes first: the Kubernetes client needs
// Node.js 22.19 and fails deep inside on an older one.
import { requireNodeVersion } from "@faultline/api/node-version";

requireNodeVersion("faultline-dashboard", "22.19.0");
const { dashboardUsage, DashboardUsageError, parseDashboardArgs, startDashboardServer, DashboardStartError } = await import("./index.js");

try {
  const parsed = parseDashboardArgs(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(dashboardUsage);
  } else {
    const server = await startDashboardServer(parsed.options);
    process.stdout.write(`Faultline dashboard: ${server.sessionUrl}\n`);
    let stopping = false;
    const stop = (signal: string) => {
      // Ctrl-C under \`faultline dashboard\` sends SIGINT to both, and the CLI then sends SIGTERM: one stop
      if (stopping) return;
      stopping = true;
      process.stderr.write(`faultline-dashboard: ${signal}: stopping\n`);
      void server.close().then(() => process.exit(0));
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  }
} catch (err) {
  if (err instanceof DashboardUsageError) {
    process.stderr.write(`faultline-dashboard: ${err.message}\nRun "faultline-dashboard --help" for usage.\n`);
    process.exitCode = 2;
  } else if (err instanceof DashboardStartError) {
    process.stderr.write(`faultline-dashboard: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`faultline-dashboard: ${e.code === "EADDRINUSE" ? `the address is in use (${e.message}): pass another --port, or --port 0 for a free one` : (e.stack ?? String(err))}\n`);
    process.exitCode = 1;
  }
}
