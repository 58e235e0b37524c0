import type { ContainerRef } from "./container-ref.js";

/**
 * One runtime API behind one socket: what `ContainerRuntimeClient` routes a parsed id to.
 * Implementations translate the runtime's own errors into `ContainerRuntimeError`s.
 */
export interface ContainerRuntimeBackend {
  /**
   * Whether a kill may be a SIGKILL to the init process `getPid` answers (as the backend's own
   * `kill` does where /proc shows it): then many containers are killed at once by their pids
   * (`ContainerRuntimeClient.killMany`). Otherwise each goes through the backend's `kill`.
   */
  readonly killsByPid: boolean;
  getPid(ref: ContainerRef, signal: AbortSignal | undefined): Promise<number>;
  kill(ref: ContainerRef, signal: AbortSignal | undefined): Promise<void>;
  /** The ids (without prefix) of the containers the runtime reports running, where it can list them. */
  listRunning?(signal: AbortSignal | undefined): Promise<string[]>;
  close(): void;
}
