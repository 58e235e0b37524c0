// Test support: the built daemon (dist/main.js) as a real child process, reading its JSON log.
import { fileURLToPath } from "node:url";
import { runAppExpectingFailure, startAppProcess, type AppProcess } from "@faultline/test-ground";

export type { LogLine } from "@faultline/test-ground";
export type DaemonProcess = AppProcess;

export const daemonMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Starts the daemon with the given flags (JSON logs); resolves once it is serving. */
export function startDaemon(args: string[]): Promise<DaemonProcess> {
  return startAppProcess(daemonMain, args, (l) => l.message === "faultline daemon serving");
}

/** Runs the daemon expecting it to fail at startup; resolves with its exit code and stderr. */
export function runDaemonExpectingFailure(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return runAppExpectingFailure(daemonMain, args);
}
