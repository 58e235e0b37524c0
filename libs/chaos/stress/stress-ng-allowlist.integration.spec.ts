import { execFileSync, spawnSync } from "node:child_process";
import { StressNgOptionError, checkStressNgArgv, resolveStressNgOption, stressNgAllowedOptions } from "./stress-ng-allowlist.js";
import { stressNgCelPatterns } from "./stress-ng-allowlist.test-support.js";
import { stressNgHelpOptions } from "./stress-ng-option-names.js";

// The real stress-ng binary (the one the daemon runs; the daemon image installs Debian's): every
// option its --help lists is either allowed, with a value stress-ng itself accepts, or refused by
// both layers (the daemon's check and the CRD's CEL rule); the committed option list, against which
// prefixes are resolved, is the binary's; and where our resolution calls a prefix ambiguous,
// stress-ng's getopt_long does too.
const cel = stressNgCelPatterns();
const helpText = execFileSync("stress-ng", ["--help"], { encoding: "utf8" });
const helpOptions = [...new Set(helpText.split("\n").flatMap((line) => /^(?:-[A-Za-z0-9?](?: [A-Za-z]+)?,)? +--([a-z0-9][a-z0-9-]*)/.exec(line)?.[1] ?? []))].sort();
/** stress-ng --dry-run's exit status and complaints (its info lines left out). */
const dryRun = (args: string[]) => {
  const result = spawnSync("stress-ng", ["--dry-run", ...args], { encoding: "utf8" });
  return { status: result.status, stderr: result.stderr.split("\n").filter((l) => l !== "" && !/ (info|metrc): /.test(l)).join("\n") };
};
const daemonRefuses = (args: string) => {
  try {
    checkStressNgArgv(args.split(" "), "stressngStressors");
    return false;
  } catch (err) {
    return err instanceof StressNgOptionError;
  }
};

describe("the allowlist against the real stress-ng", () => {
  it("the option list prefixes are resolved against is the binary's --help, whole", () => {
    expect(helpOptions.length).toBeGreaterThan(900);
    // on a difference: regenerate stress-ng-option-names.ts from this list, then classify the new options
    expect(helpOptions).toEqual([...stressNgHelpOptions].sort());
  });

  it("classifies every option of --help: allowed with a value stress-ng accepts, or refused by both layers", () => {
    const classified = { allowed: 0, refused: 0 };
    for (const name of helpOptions) {
      const option = stressNgAllowedOptions[name];
      if (option) {
        const argv = checkStressNgArgv([`--${name}`, ...(option.value === undefined ? [] : [option.example!])], "f");
        const result = dryRun([...argv, "--cpu", "1"]); // a stressor to run, or stress-ng has nothing to do
        expect([name, result.status, result.stderr]).toEqual([name, 0, ""]);
        expect(cel.stressngStressors.test(argv.join(" "))).toBe(true);
        classified.allowed++;
      } else {
        for (const args of [`--${name}`, `--${name} 1`]) {
          expect([args, daemonRefuses(args)]).toEqual([args, true]);
          expect([args, cel.stressngStressors.test(args), cel.optionsItem.test(args)]).toEqual([args, false, false]);
        }
        classified.refused++;
      }
    }
    expect(classified.allowed).toBe(Object.keys(stressNgAllowedOptions).filter((n) => helpOptions.includes(n)).length);
    expect(classified.refused).toBeGreaterThan(850);
  });

  it("a prefix our resolution finds ambiguous, stress-ng finds ambiguous too; one it resolves, stress-ng takes (so the daemon's refusals name the option stress-ng would run)", () => {
    for (const prefix of ["hd", "cpu-lo", "tim", "vm-m", "no-", "io", "matrix-3"]) {
      const ours = resolveStressNgOption(prefix);
      const theirs = dryRun([`--${prefix}`, "1"]).stderr;
      if ("ambiguous" in ours) expect([prefix, theirs]).toEqual([prefix, expect.stringContaining(`option '--${prefix}' is ambiguous`)]);
      else expect([prefix, theirs]).toEqual([prefix, expect.not.stringMatching(/ambiguous|unrecognized/)]);
    }
    for (const prefix of ["vm-ke", "matrix-y", "timeo", "cpu-load-s"]) {
      expect(resolveStressNgOption(prefix)).toMatchObject({ name: expect.stringContaining(prefix) });
      const result = dryRun([`--${prefix}`, ...(prefix === "timeo" || prefix === "cpu-load-s" ? ["10"] : []), "--cpu", "1"]);
      expect([prefix, result.status, result.stderr]).toEqual([prefix, 0, ""]);
    }
  });
});
