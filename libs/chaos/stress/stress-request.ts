import type { StressChaosSpec } from "./stress-chaos-crd.js";
import { heldRecordKey } from "../held-injections/index.js";

/** What the manager sends in ExecStressors for one record: Chaos Mesh's argument strings. */
export interface StressRequestFields {
  /** stress-ng arguments (CPU stressors, or `stressngStressors` whole). */
  cpuStressors: string;
  /** Memory stressor arguments, Chaos Mesh's form: `--workers N [--size S] [options…]`. */
  memoryStressors: string;
  oomScoreAdj: number;
}

/**
 * The ExecStressors argument strings for a spec, as Chaos Mesh's controller writes them (so a
 * Chaos Mesh daemon would understand them too), with one difference: `stressngStressors`, when
 * set, is sent (as the stress-ng string, in `cpuStressors`) instead of being dropped. It wins over
 * `stressors`, as Chaos Mesh documents.
 *
 * @example
 * stressRequestOf({ stressors: { cpu: { workers: 2, load: 50 } } } as StressChaosSpec).cpuStressors;
 * // "--cpu-load-slice 10 --cpu-method sqrt --cpu 2 --cpu-load 50"
 */
export function stressRequestOf(spec: StressChaosSpec): StressRequestFields {
  const oomScoreAdj = spec.stressors?.memory?.oomScoreAdj ?? 0;
  const stressng = spec.stressngStressors?.trim() ?? "";
  if (stressng !== "") return { cpuStressors: stressng, memoryStressors: "", oomScoreAdj };
  const { cpu, memory } = spec.stressors ?? {};
  const cpuStressors = cpu
    ? ["--cpu-load-slice 10 --cpu-method sqrt", `--cpu ${cpu.workers}`, ...(cpu.load === undefined ? [] : [`--cpu-load ${cpu.load}`]), ...(cpu.options ?? [])].join(" ")
    : "";
  const memoryStressors = memory
    ? [`--workers ${memory.workers}`, ...(memory.size === undefined ? [] : [`--size ${memory.size}`]), ...(memory.options ?? [])].join(" ")
    : "";
  return { cpuStressors, memoryStressors, oomScoreAdj };
}

/**
 * The key the daemon marks a record's stressors with: the chaos object's uid and the record id, so
 * the same record of the same object always finds its stressors again (after a manager or daemon
 * restart), and another object's never (the scheme of every kind whose daemon holds keys).
 */
export const stressRecordKey = heldRecordKey;
