import { stressRecordKey, stressRequestOf } from "./stress-request.js";
import type { StressChaosSpec } from "./stress-chaos-crd.js";

const spec = (over: Partial<StressChaosSpec>): StressChaosSpec => ({ selector: {}, mode: "one", ...over }) as StressChaosSpec;

describe("stressRequestOf", () => {
  it("writes the CPU stressor as Chaos Mesh's controller does", () => {
    expect(stressRequestOf(spec({ stressors: { cpu: { workers: 2, load: 50 } } }))).toEqual({
      cpuStressors: "--cpu-load-slice 10 --cpu-method sqrt --cpu 2 --cpu-load 50",
      memoryStressors: "",
      oomScoreAdj: 0,
    });
    expect(stressRequestOf(spec({ stressors: { cpu: { workers: 1, options: ["--timeout 600", "--cpu-ops=100"] } } })).cpuStressors).toBe(
      "--cpu-load-slice 10 --cpu-method sqrt --cpu 1 --timeout 600 --cpu-ops=100",
    );
  });

  it("writes the memory stressor in Chaos Mesh's form, with its oomScoreAdj", () => {
    expect(stressRequestOf(spec({ stressors: { memory: { workers: 4, size: "256MB" } } }))).toEqual({
      cpuStressors: "",
      memoryStressors: "--workers 4 --size 256MB",
      oomScoreAdj: 0,
    });
    expect(stressRequestOf(spec({ stressors: { memory: { workers: 1, size: "10GB", oomScoreAdj: -1000 } } }))).toEqual({
      cpuStressors: "",
      memoryStressors: "--workers 1 --size 10GB",
      oomScoreAdj: -1000,
    });
    expect(stressRequestOf(spec({ stressors: { memory: { workers: 2 } } })).memoryStressors).toBe("--workers 2");
  });

  it("sends stressngStressors (which wins over stressors), where Chaos Mesh drops it", () => {
    expect(
      stressRequestOf(spec({ stressngStressors: " --cpu 1 --vm 1 --vm-bytes 64M ", stressors: { cpu: { workers: 8 }, memory: { workers: 1, oomScoreAdj: 500 } } })),
    ).toEqual({ cpuStressors: "--cpu 1 --vm 1 --vm-bytes 64M", memoryStressors: "", oomScoreAdj: 500 });
    // blank: the stressors apply
    expect(stressRequestOf(spec({ stressngStressors: "  ", stressors: { cpu: { workers: 1 } } })).cpuStressors).toBe("--cpu-load-slice 10 --cpu-method sqrt --cpu 1");
  });

  it("keys a record by its object's uid and its id", () => {
    expect(stressRecordKey("0b5f-uid", "app/web-0/main")).toBe("0b5f-uid/app/web-0/main");
  });
});
