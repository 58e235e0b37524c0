import { StressNgOptionError, checkStressNgArgv, resolveStressNgOption, stressNgAllOptions, stressNgAllowedOptions, stressNgValueGrammars } from "./stress-ng-allowlist.js";
import { stressNgCelPatterns } from "./stress-ng-allowlist.test-support.js";

// Both layers, built from the one allowlist: the daemon's check (checkStressNgArgv) and the CRD's
// CEL rules (their regular expression, taken out of the generated CRD, run here as JavaScript; the
// real API server runs them in stress-chaos-crd.integration.spec.ts). The real binary's --help is
// read in stress-ng-allowlist.integration.spec.ts.
const cel = stressNgCelPatterns();
const daemonAccepts = (args: string) => {
  try {
    checkStressNgArgv(args.split(" ").filter((t) => t !== ""), "stressngStressors");
    return true;
  } catch (err) {
    if (err instanceof StressNgOptionError) return false;
    throw err;
  }
};
const celAccepts = (args: string) => {
  const both = [cel.stressngStressors.test(args), cel.optionsItem.test(args)];
  expect(both[0]).toBe(both[1]); // the rule on stressngStressors and the one on options items agree
  return both[0]!;
};
const refusedByBoth = (args: string) => {
  expect([args, daemonAccepts(args)]).toEqual([args, false]);
  expect([args, celAccepts(args)]).toEqual([args, false]);
};
const acceptedByBoth = (args: string) => {
  expect([args, daemonAccepts(args)]).toEqual([args, true]);
  expect([args, celAccepts(args)]).toEqual([args, true]);
};
const allowed = Object.entries(stressNgAllowedOptions);
const refused = stressNgAllOptions.filter((name) => !(name in stressNgAllowedOptions));

describe("the stress-ng allowlist", () => {
  it("takes its options from stress-ng's own list, and refuses far more than it allows", () => {
    for (const [name] of allowed) expect(stressNgAllOptions).toContain(name);
    expect(allowed.length).toBeGreaterThan(40);
    expect(refused.length).toBeGreaterThan(850);
    for (const name of ["hdd", "temp-path", "job", "log-file", "yaml", "ftrace", "ignite-cpu", "cpu-online", "dev", "sysfs", "sched", "taskset", "vm-locked", "aggressive", "dry-run"]) {
      expect(refused).toContain(name);
    }
  });

  it.each(allowed)("--%s is accepted by both layers with a value of its grammar, and canonical for stress-ng", (name, option) => {
    if (option.value === undefined) {
      acceptedByBoth(`--${name}`);
      refusedByBoth(`--${name}=1`); // getopt refuses a value for a flag
      expect(checkStressNgArgv([`--${name}`], "f")).toEqual([`--${name}`]);
      if (option.short) expect(checkStressNgArgv([`-${option.short}`], "f")).toEqual([`--${name}`]);
      return;
    }
    expect(option.example).toMatch(new RegExp(`^(${stressNgValueGrammars[option.value].pattern})$`));
    acceptedByBoth(`--${name} ${option.example}`);
    acceptedByBoth(`--${name}=${option.example}`);
    acceptedByBoth(`--cpu 1 --${name}  ${option.example} --vm-keep `);
    expect(checkStressNgArgv([`--${name}=${option.example}`], "f")).toEqual([`--${name}`, option.example]);
    if (option.short) {
      acceptedByBoth(`-${option.short} ${option.example}`);
      expect(checkStressNgArgv([`-${option.short}`, option.example!], "f")).toEqual([`--${name}`, option.example]);
      refusedByBoth(`-${option.short}${option.example}`); // attached, as getopt would also read it: not allowed
    }
    refusedByBoth(`--${name}`); // no value
    refusedByBoth(`--${name} ${stressNgValueGrammars[option.value].bad}`);
    refusedByBoth(`--${name}=`);
  });

  it(`refuses every other option stress-ng has (${refused.length}), with or without a value, by both layers`, () => {
    for (const name of refused) {
      refusedByBoth(`--${name}`);
      refusedByBoth(`--${name} 1`);
      refusedByBoth(`--${name}=1`);
      refusedByBoth(`--cpu 1 --${name} 1`);
    }
  });

  it("refuses every prefix of every option (of a refused one, of an allowed one, ambiguous or not) unless it is exactly an allowed option's name", () => {
    let prefixes = 0;
    for (const name of stressNgAllOptions) {
      for (let n = 1; n < name.length; n++) {
        const prefix = name.slice(0, n);
        if (prefix in stressNgAllowedOptions) continue; // "cpu", a prefix of "cpu-online", is the cpu option itself
        prefixes++;
        refusedByBoth(`--${prefix}`);
        refusedByBoth(`--${prefix} 1`);
      }
    }
    expect(prefixes).toBeGreaterThan(5000);
  });

  it("resolves a prefix as getopt_long does, to name what it refuses", () => {
    expect(resolveStressNgOption("hd")).toEqual({ ambiguous: ["hdd", "hdd-bytes", "hdd-ops", "hdd-opts", "hdd-write-size"] });
    expect(resolveStressNgOption("temp-p")).toEqual({ name: "temp-path" });
    expect(resolveStressNgOption("vm-ke")).toEqual({ name: "vm-keep" });
    expect(resolveStressNgOption("cpu")).toEqual({ name: "cpu" }); // an exact name wins over the longer ones
    expect(resolveStressNgOption("explode")).toEqual({ unknown: true });
  });

  it("names what it refuses", () => {
    const refusal = (args: string) => {
      try {
        checkStressNgArgv(args.split(" "), "cpuStressors");
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(refusal("--hdd 1")).toMatch(/^cpuStressors: --hdd is not allowed: only CPU and memory stressors/);
    expect(refusal("--temp-p x")).toMatch(/^cpuStressors: --temp-path \(--temp-p is --temp-path\) is not allowed/);
    expect(refusal("--vm-ke")).toBe("cpuStressors: --vm-ke stands for --vm-keep: write the option's full name");
    expect(refusal("--cpu-lo 5")).toBe("cpuStressors: --cpu-lo is ambiguous: it may be --cpu-load, --cpu-load-slice");
    expect(refusal("--explode 3")).toBe("cpuStressors: --explode is not a stress-ng option");
    expect(refusal("-d 1")).toMatch(/^cpuStressors: -d is not allowed: of the short options only -t, -b, -k, -M, -q, -c, -l, -m, -B are/);
    expect(refusal("--cpu 1 2")).toBe('cpuStressors: "2" is neither an allowed stress-ng option nor the value of one');
    expect(refusal("--cpu-load 50%")).toBe('cpuStressors: --cpu-load "50%" is not a percentage, 0–100');
    expect(refusal("--vm-keep=yes")).toBe("cpuStressors: --vm-keep takes no value");
    expect(refusal("--cpu")).toMatch(/--cpu needs a value/);
  });

  it("the daemon's check and the CEL rule agree on random argument strings", () => {
    const pool = ["--cpu", "--cpu-l", "--cpu-load", "--vm-keep", "--vm-ke", "--hdd", "--hd", "-c", "-d", "-t", "--timeout=5", "--vm-bytes=64M", "=", "--", "-", "1", "50", "-30", "64M", "1x", "sqrt", "Sqrt", "--matrix-y", "--times", "--time", "--io", "--cpu=2", "--vm-hang=0", ""];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pool.length;
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const args = Array.from({ length: 1 + (i % 6) }, () => pool[next()]).join(" ");
      const daemon = daemonAccepts(args);
      expect([args, celAccepts(args)]).toEqual([args, daemon]);
      if (daemon) accepted++;
    }
    expect(accepted).toBeGreaterThan(200); // both outcomes well represented
  });
});
