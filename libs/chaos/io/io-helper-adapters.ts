// The daemon's native helpers behind io-helpers.ts's narrow interface.
import type { IOFdSwapper, IOFsHelper } from "./io-helpers.js";

/** The faultline-iofs and faultline-fd-swap wrappers, adapted to the daemon's interface. */
export function defaultIOHelpers(): { iofs: IOFsHelper; fdSwap: IOFdSwapper } {
  throw new Error("the IOChaos native helpers' wrappers are not wired yet");
}
