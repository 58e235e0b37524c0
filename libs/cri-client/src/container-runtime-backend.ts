import type { ContainerRef } from "./container-ref.js";

/**
 * One runtime API behind one socket: what `ContainerRuntimeClient` routes a parsed id to.
 * Implementations translate the runtime's own errors into `ContainerRuntimeError`s.
 */
export interface ContainerRuntimeBackend {
  getPid(ref: ContainerRef, signal: AbortSignal | undefined): Promise<number>;
  kill(ref: ContainerRef, signal: AbortSignal | undefined): Promise<void>;
  close(): void;
}
