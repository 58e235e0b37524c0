// README.md's example is src/readme-example.ts, pasted verbatim; this keeps the two in step.
// readme-example.integration.spec.ts runs its controller against the local cluster.
import { readFile } from "node:fs/promises";
import { nextRuns } from "./readme-example.js";

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("nextRuns reads Chaos Mesh's schedules", () => {
    expect(nextRuns("CRON_TZ=Europe/Berlin 0 30 6 * * mon-fri", new Date("2026-03-06T12:00:00Z"), 2).map((d) => d.toISOString())).toEqual([
      "2026-03-09T05:30:00.000Z",
      "2026-03-10T05:30:00.000Z",
    ]);
    expect(nextRuns("@every 90s", new Date("2026-03-06T12:00:00.250Z"), 2).map((d) => d.toISOString())).toEqual(["2026-03-06T12:01:30.000Z", "2026-03-06T12:03:00.000Z"]);
  });
});
