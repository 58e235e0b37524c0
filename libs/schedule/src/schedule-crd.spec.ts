import { Type } from "@sinclair/typebox";
import fc from "fast-check";
import { containerSelectorFields, defineChaosCrd, durationSchema } from "@faultline/api";
import { defineChaosKind } from "@faultline/chaos-kind";
import { parseSchedule } from "./cron-schedule.js";
import { chaosOnlyScheduleSpecSchema, scheduleCrd, schedulePattern } from "./schedule-crd.js";

const kind = (name: string) =>
  defineChaosKind({
    crd: defineChaosCrd({ kind: name, description: name, spec: Type.Object({ ...containerSelectorFields, duration: Type.Optional(durationSchema) }) }),
    oneShot: false,
    selectorKind: "container",
    manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }),
  });
const kinds = [kind("FooChaos"), kind("BarChaos")];

describe("scheduleCrd", () => {
  test("one embedded spec per kind, in lowerCamel, and type listing the kinds", () => {
    const spec = scheduleCrd(kinds).spec.versions[0]!.schema.openAPIV3Schema.properties!["spec"]!;
    expect(Object.keys(spec.properties!)).toEqual(["schedule", "startingDeadlineSeconds", "concurrencyPolicy", "historyLimit", "type", "fooChaos", "barChaos"]);
    expect(spec.properties!["type"]!.enum).toEqual(["FooChaos", "BarChaos"]);
    expect(spec.required).toEqual(["schedule", "type"]);
    expect(spec["x-kubernetes-validations"]!.map((r) => r.rule)).toEqual(["has(self.fooChaos) == (self.type == 'FooChaos')", "has(self.barChaos) == (self.type == 'BarChaos')"]);
  });

  test("a Workflow spec adds type Workflow and the workflow field", () => {
    const workflowSpec = { type: "object" as const, properties: { entry: { type: "string" as const } } };
    const spec = scheduleCrd(kinds, { workflowSpec }).spec.versions[0]!.schema.openAPIV3Schema.properties!["spec"]!;
    expect(spec.properties!["type"]!.enum).toEqual(["FooChaos", "BarChaos", "Workflow"]);
    expect(spec.properties!["workflow"]!.properties).toEqual(workflowSpec.properties);
  });

  test("ChaosOnlyScheduleSpec is the same without workflow", () => {
    const spec = chaosOnlyScheduleSpecSchema(kinds);
    expect(spec.properties!["workflow"]).toBeUndefined();
    expect(spec.properties!["type"]!.enum).toEqual(["FooChaos", "BarChaos"]);
  });

  test("printer columns: schedule, type, last run, next run, age", () => {
    expect(scheduleCrd(kinds).spec.versions[0]!.additionalPrinterColumns!.map((c) => `${c.name}=${c.jsonPath}`)).toEqual([
      "schedule=.spec.schedule",
      "type=.spec.type",
      "last run=.status.time",
      "next run=.status.nextTime",
      "age=.metadata.creationTimestamp",
    ]);
  });
});

describe("schedulePattern (what admission checks of the cron)", () => {
  const pattern = new RegExp(schedulePattern);
  test.each(["*/5 * * * *", "0 30 6 * * mon-fri", "@every 1h30m", "@every 5s", "@hourly", "CRON_TZ=Europe/Berlin 0 2 * * *", "TZ=UTC @daily", "0 0 12 1,15 JAN-jun ?", "5/10 * * * * *"])(
    "accepts %j",
    (schedule) => expect(pattern.test(schedule)).toBe(true),
  );
  test.each(["", "* * * *", "* * * * * * *", "@fortnightly", "@every", "@every 5", "every 5s", "0 0 L * *", "* * * * mon#2", "CRON_TZ=UTC", "1-2-3 * * * *"])("refuses %j", (schedule) =>
    expect(pattern.test(schedule)).toBe(false),
  );

  test("accepts every schedule the parser accepts (property)", () => {
    const element = fc.oneof(fc.constant("*"), fc.constant("?"), fc.nat(59).map(String), fc.tuple(fc.nat(5), fc.nat(9)).map(([a, b]) => `${a}-${a + b}`), fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 9 })).map(([a, s]) => `${a}/${s}`));
    const field = fc.array(element, { minLength: 1, maxLength: 3 }).map((list) => list.join(","));
    fc.assert(
      fc.property(fc.array(field, { minLength: 5, maxLength: 6 }), (fields) => {
        const schedule = fields.join(" ");
        let valid = true;
        try {
          parseSchedule(schedule);
        } catch {
          valid = false;
        }
        if (valid) expect(pattern.test(schedule)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
