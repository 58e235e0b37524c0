// Moved to ../../pod-netns-process/keyed-lock.ts (a per-key lock, not a network one). This name is
// kept only for io/io-chaos-daemon.ts, written meanwhile by another engineer; it goes once IOChaos imports KeyedLock.
export { KeyedLock as NetworkNamespaceLock } from "../../pod-netns-process/keyed-lock.js";
