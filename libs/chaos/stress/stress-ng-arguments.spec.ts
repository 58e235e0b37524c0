import { StressArgumentsError, memoryStressorArgv, parseMemoryStressor, stressNgTokens } from "./stress-ng-arguments.js";

describe("stressNgTokens", () => {
  it("splits on spaces into argv", () => {
    expect(stressNgTokens(" --cpu-load-slice 10 --cpu-method sqrt  --cpu 2 --cpu-load 50", "cpuStressors")).toEqual([
      "--cpu-load-slice", "10", "--cpu-method", "sqrt", "--cpu", "2", "--cpu-load", "50",
    ]);
    // canonical for stress-ng: full names, each value its own argument
    expect(stressNgTokens("--vm 1 --vm-bytes=64M -t 60s --cpu-load-slice -30 --vm-keep", "x")).toEqual(["--vm", "1", "--vm-bytes", "64M", "--timeout", "60s", "--cpu-load-slice", "-30", "--vm-keep"]);
  });

  it.each([
    ["--cpu 1;reboot", /holds a character other than/],
    ["--cpu `id`", /holds a character other than/],
    ["--cpu 1 > /etc/x", /holds a character other than/],
    ["--cpu\n1", /holds a character other than/],
    ["--temp-path=tmp", /--temp-path is not allowed/],
    ["--cpu 1 --job jobs", /--job is not allowed/],
    ["--cpu 1 -Y out", /-Y is not allowed/],
    ["--cpu 1 --ignite-cpu", /--ignite-cpu is not allowed/],
    ["--cpu 1 --ign", /--ignite-cpu \(--ign is --ignite-cpu\) is not allowed/],
    ["--cpu 1 --hdd 1", /--hdd is not allowed/],
    ["--cpu 1 --hd 1", /--hd is ambiguous/],
    ["--cpu 1 --vm-ke", /--vm-ke stands for --vm-keep: write the option's full name/],
    ["--Cpu 1", /--Cpu is not a stress-ng option/],
    ["--cpu =1", /--cpu "=1" is not a number of workers/],
    ["--cpu 1 2", /"2" is neither an allowed stress-ng option nor the value of one/],
    ["--cpu " + "1 ".repeat(64), /more than 64 arguments/],
    ["x".repeat(1025), /longer than 1024/],
  ])("refuses %j", (args, message) => {
    expect(() => stressNgTokens(args, "cpuStressors")).toThrow(StressArgumentsError);
    expect(() => stressNgTokens(args, "cpuStressors")).toThrow(message);
  });
});

describe("memory stressors", () => {
  it("reads Chaos Mesh's --workers/--size form, the rest as stress-ng options", () => {
    expect(parseMemoryStressor("--workers 4 --size 256MB")).toEqual({ workers: 4, size: "256MB", options: [] });
    expect(parseMemoryStressor("--workers=1 --size=50% --vm-method flip")).toEqual({ workers: 1, size: "50%", options: ["--vm-method", "flip"] });
    expect(parseMemoryStressor("--workers 2")).toEqual({ workers: 2, options: [] });
  });

  it.each([
    ["--size 1MB", /--workers is missing/],
    ["--workers 0", /workers must be 1–8192/],
    ["--workers 9000", /workers must be 1–8192/],
    ["--workers", /--workers needs a value/],
    ["--workers 1 --vm-locked", /memoryStressors: --vm-locked is not allowed/],
    ["--workers 1 --vm-method", /memoryStressors: --vm-method needs a value/],
  ])("refuses %j", (args, message) => {
    expect(() => parseMemoryStressor(args)).toThrow(message);
  });

  it("becomes stress-ng's vm stressor holding the bytes asked, a percentage of the whole given", () => {
    expect(memoryStressorArgv({ workers: 4, size: "256MB", options: [] }, 0)).toEqual(["--vm", "4", "--vm-bytes", "256000000b", "--vm-keep", "--vm-hang", "0"]);
    expect(memoryStressorArgv({ workers: 1, size: "25%", options: ["--vm-method", "flip"] }, 400 * 2 ** 20)).toEqual([
      "--vm", "1", "--vm-bytes", `${100 * 2 ** 20}b`, "--vm-keep", "--vm-hang", "0", "--vm-method", "flip",
    ]);
    expect(memoryStressorArgv({ workers: 1, options: [] }, 2 ** 30)).toContain(`${2 ** 30}b`); // no size: all of it
  });

  it("refuses sizes too small for stress-ng, or malformed", () => {
    expect(() => memoryStressorArgv({ workers: 2, size: "0%", options: [] }, 2 ** 30)).toThrow(/less than 4 KiB per worker/);
    expect(() => memoryStressorArgv({ workers: 1, size: "lots", options: [] }, 2 ** 30)).toThrow(/memoryStressors: size "lots"/);
  });
});
