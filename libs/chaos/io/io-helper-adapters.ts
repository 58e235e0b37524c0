// The daemon's native helpers (iofs-helper.ts, fd-swap-helper.ts) behind io-helpers.ts's narrow
// interface.
import { createFdSwapHelper, type FdSwapHelper } from "./fd-swap-helper.js";
import { createIofsHelper, type IofsHelper } from "./iofs-helper.js";
import type { IOFdSwapper, IOFsHelper } from "./io-helpers.js";

/** faultline-iofs as the daemon uses it: `unmount` answers whether it did (idempotent: not ours is fine). */
export function ioFsHelperOf(iofs: IofsHelper): IOFsHelper {
  return {
    check: (leader, volumePath, signal) => iofs.check(leader, volumePath, signal),
    serve: (leader, volumePath, configFile, key, options = {}) => iofs.serve({ pid: leader, volume: volumePath, configFile, key, ...(options.log !== undefined && { log: options.log }), ...(options.joinCgroups !== undefined && options.joinCgroups.length > 0 && { joinCgroups: [...options.joinCgroups] }) }),
    async unmount(leader, volumePath, signal) {
      await iofs.unmount(leader, volumePath, signal);
    },
  };
}

/** faultline-fd-swap as the daemon uses it. */
export function ioFdSwapperOf(fdSwap: FdSwapHelper): IOFdSwapper {
  return {
    swap: (volumePath, pids, signal, fromMount) => fdSwap.swap(volumePath, pids, signal, fromMount === undefined ? {} : { fromMount }),
  };
}

/** The faultline-iofs and faultline-fd-swap wrappers (their binaries by their own rule), adapted to the daemon's interface. */
export function defaultIOHelpers(): { iofs: IOFsHelper; fdSwap: IOFdSwapper } {
  return { iofs: ioFsHelperOf(createIofsHelper()), fdSwap: ioFdSwapperOf(createFdSwapHelper()) };
}
