import { accessSync, constants } from "node:fs";

/**
 * Where the daemon keeps something that must outlive its container, unless told: `$<envVar>`; else
 * the node's `/run/faultline/<relPath>`, reached through the host's pid 1 (`<procRoot>/1/root`, the
 * daemon runs with hostPID), which a restarted daemon finds again and a reboot of the node takes
 * away, as it takes the processes the state is about; else (pid 1's root not reachable, a daemon
 * run as a plain process) the daemon's own `/run/faultline/<relPath>`.
 */
export function nodeRunPath(procRoot: string, relPath: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const hostRun = `${procRoot}/1/root/run`;
  try {
    accessSync(hostRun, constants.W_OK);
    return `${hostRun}/faultline/${relPath}`;
  } catch {
    return `/run/faultline/${relPath}`;
  }
}
