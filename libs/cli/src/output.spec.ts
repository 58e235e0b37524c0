import { age, parseDurationFlag, parseOutputFormat, progressBar, renderStructured, renderTable } from "./output.js";
import { UsageError } from "./cli-io.js";

describe("output", () => {
  it("pads table columns to their widest cell, the last column unpadded", () => {
    expect(renderTable(["KIND", "NAME"], [["PodChaos", "a"], ["IOChaos", "longer-name"]])).toBe("KIND       NAME\nPodChaos   a\nIOChaos    longer-name\n");
  });

  it("renders JSON and YAML", () => {
    expect(renderStructured({ a: [1] }, "json")).toBe('{\n  "a": [\n    1\n  ]\n}\n');
    expect(renderStructured({ a: [1] }, "yaml")).toBe("a:\n  - 1\n");
  });

  it("accepts -o json|yaml and refuses anything else naming the flag", () => {
    expect(parseOutputFormat(undefined)).toBe("table");
    expect(parseOutputFormat("yaml")).toBe("yaml");
    expect(() => parseOutputFormat("wide")).toThrow(UsageError);
    expect(() => parseOutputFormat("wide")).toThrow(/--output "wide": must be json or yaml/);
  });

  it("draws progress bars in proportion", () => {
    expect(progressBar(0, 4, 8)).toBe("[--------]");
    expect(progressBar(1, 4, 8)).toBe("[##------]");
    expect(progressBar(4, 4, 8)).toBe("[########]");
    expect(progressBar(0, 0, 4)).toBe("[----]");
  });

  it("prints ages like kubectl", () => {
    const now = new Date("2026-12-06T18:00:00Z");
    expect(age("2026-12-06T17:59:15Z", now)).toBe("45s");
    expect(age("2026-12-06T17:48:00Z", now)).toBe("12m");
    expect(age("2026-12-06T15:00:00Z", now)).toBe("3h");
    expect(age("2026-12-04T18:00:00Z", now)).toBe("2d");
    expect(age(undefined, now)).toBe("-");
  });

  it("parses durations and refuses bad ones naming the flag", () => {
    expect(parseDurationFlag("--timeout", "60s")).toBe(60_000);
    expect(parseDurationFlag("--timeout", "1m30s")).toBe(90_000);
    expect(parseDurationFlag("--timeout", "500ms")).toBe(500);
    expect(parseDurationFlag("--timeout", "2")).toBe(2000);
    expect(() => parseDurationFlag("--timeout", "soon")).toThrow(/--timeout "soon": not a duration/);
    expect(() => parseDurationFlag("--timeout", "0s")).toThrow(/must be more than 0/);
  });
});
