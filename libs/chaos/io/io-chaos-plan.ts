import { basename } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ExecIOChaosRequestSchema } from "@faultline/api";
import { hostPidOf } from "../record-plan/record-plan.js";
import { mergedIOActions, normalVolumePath, parseIOAction, renderIOConfig } from "./io-action.js";
import { IOStateDir } from "./io-chaos-daemon.js";
import { defaultFdSwapBinary, fdSwapArgv } from "./fd-swap-helper.js";
import { ioServerKey } from "./io-helpers.js";
import { defaultIofsBinary, iofsArgv } from "./iofs-helper.js";

/** Where the daemon keeps its IOChaos state (`$FAULTLINE_IO_STATE_DIR`, else under the node's /run): known on the node only. */
const stateDirPlaceholder = "<daemon's io state dir>";

/** What the daemon does for an ExecIOChaos on a volume that carries no fault yet. */
export interface IOInjectionCommands {
  /** faultline-iofs check, faultline-iofs serve (with no action), faultline-fd-swap, in that order. */
  argv: string[][];
  /** The server's config written after the swap (then SIGHUP): the request's action as the daemon renders it. */
  config: string;
}

/**
 * The commands the daemon runs for an ExecIOChaos request on a (container, volume) without a fault
 * of ours yet, built by the daemon's own builders: `iofsArgv` (check, then serve with the server's
 * key `ioServerKey`, its config and log in the state directory, joining the target's cgroup), the
 * container's processes switched onto the mount by `fdSwapArgv`, then the config (`renderIOConfig`
 * of the action `parseIOAction` reads from the request) written and the server SIGHUPed. Host pids,
 * the state directory and the container's cgroup are known on the node only: placeholders.
 * A volume already faulted by another IOChaos gets only the config rewritten and the SIGHUP.
 */
export function execIOChaosCommands(request: MessageInitShape<typeof ExecIOChaosRequestSchema>): IOInjectionCommands {
  const containerId = request.containerId ?? "";
  const volume = normalVolumePath(request.volumePath ?? "");
  const key = ioServerKey(containerId, volume);
  const action = parseIOAction(request.action ?? "");
  const state = new IOStateDir(stateDirPlaceholder);
  const pid = hostPidOf(`container ${containerId}`);
  // the builders validate a numeric pid: 1 stands in, replaced by the placeholder
  const withPid = (argv: string[]) => argv.map((arg, i) => (argv[i - 1] === "--pid" ? pid : arg));
  const iofs = basename(defaultIofsBinary());
  const check = withPid(iofsArgv({ command: "check", pid: 1, volume }));
  const serve = withPid(
    iofsArgv({ command: "serve", pid: 1, volume, configFile: state.configFile(key), key, log: state.logFile(key), joinCgroups: [`/sys/fs/cgroup/<cgroup of container ${containerId}>/cgroup.procs`] }),
  );
  const swap = fdSwapArgv({ volume, pids: [1] });
  return {
    argv: [
      [iofs, ...check],
      [iofs, ...serve],
      [basename(defaultFdSwapBinary()), ...swap.slice(0, -1), `<host pids of every process of container ${containerId}>`],
    ],
    config: renderIOConfig(mergedIOActions([], { [request.recordKey ?? ""]: action })),
  };
}
