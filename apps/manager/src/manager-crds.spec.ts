import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFiles } from "@faultline/api";
import { builtInChaosKinds } from "@faultline/chaos";
import { embeddedChaosField } from "@faultline/chaos-kind";
import { crdHeader, managerCrds } from "./manager-crds.js";

// the generated files live beside the kinds (the catalog's CRD folder, published with @faultline/chaos)
const crdDir = fileURLToPath(new URL("../../../libs/chaos/crds/", import.meta.url));
const chartCrdDir = fileURLToPath(new URL("../../../charts/faultline/crds/", import.meta.url));

describe("libs/chaos/crds", () => {
  const files = crdFiles(managerCrds(builtInChaosKinds), crdHeader);

  it(`holds exactly what the catalog's schemas generate (run \`${crdHeader.command}\` when this fails)`, () => {
    expect(readdirSync(crdDir).filter((name) => name.endsWith(".yaml")).sort()).toEqual(files.map((file) => file.fileName));
    for (const { fileName, content } of files) expect(readFileSync(crdDir + fileName, "utf8")).toBe(content);
  });

  it("has one CRD per catalog kind, named after it, and RecordShard, Schedule, Workflow, WorkflowNode, StatusCheck, KillSwitch", () => {
    expect(files.map((f) => f.fileName).sort()).toEqual(
      [
        ...[...builtInChaosKinds.map((kind) => kind.crd.spec.names.kind.toLowerCase()), "recordshards", "schedules", "statuschecks", "workflownodes", "workflows"].map(
          (plural) => `chaos-mesh.org_${plural}.yaml`,
        ),
        "faultline.chaos-mesh.org_killswitches.yaml",
      ].sort(),
    );
  });

  it("lets a Schedule and a Workflow template embed every catalog kind", () => {
    const schedule = files.find((f) => f.fileName === "chaos-mesh.org_schedules.yaml")!.content;
    const workflow = files.find((f) => f.fileName === "chaos-mesh.org_workflows.yaml")!.content;
    for (const kind of builtInChaosKinds) {
      const field = embeddedChaosField(kind.crd.spec.names.kind);
      expect(schedule).toContain(`${field}:`);
      expect(workflow).toContain(`${field}:`);
    }
    // Chaos Mesh's EmbedChaos JSON tags: an acronym's capitals all lowered
    for (const text of [schedule, workflow]) {
      expect(text).toMatch(/^ +dnsChaos:$/m);
      expect(text).toMatch(/^ +httpChaos:$/m);
      expect(text).not.toMatch(/dNSChaos|hTTPChaos/);
    }
  });

  it("is what the chart carries", () => {
    for (const { fileName, content } of files) expect(readFileSync(chartCrdDir + fileName, "utf8")).toBe(content);
  });
});
