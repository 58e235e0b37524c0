import { memoryStressorArgv, parseMemoryStressor, stressNgTokens, stressRecordKey, stressRequestOf, type StressChaosSpec } from "@faultline/chaos/stress";

/**
 * Chaos Mesh's memory-stress-example, followed through: what the manager sends for one record, and
 * the stress-ng argv the daemon runs for it in a container whose memory limit is 1 GiB.
 */
export function followMemoryStressExample() {
  const spec = { mode: "one", selector: { labelSelectors: { app: "app1" } }, stressors: { memory: { workers: 4, size: "256MB" } } } as StressChaosSpec;

  // manager: Chaos Mesh's argument strings, and the key its stressors are found by again
  const sent = stressRequestOf(spec);
  const recordKey = stressRecordKey("2f0c1e7a-uid", "shop/web-0/web");

  // daemon: the memory stressor as stress-ng's vm stressor; a percentage would be of the 1 GiB
  const argv = memoryStressorArgv(parseMemoryStressor(sent.memoryStressors), 2 ** 30);

  // and what it refuses before anything runs
  let refused = "";
  try {
    stressNgTokens("--cpu 1; reboot", "cpuStressors");
  } catch (err) {
    refused = (err as Error).message;
  }
  return { sent, recordKey, argv, refused };
}
