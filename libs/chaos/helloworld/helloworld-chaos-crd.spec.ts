import { validateAgainstSchema, type OpenApiSchema } from "@faultline/api";
import { helloWorldChaosCrd, type HelloWorldChaos } from "./helloworld-chaos-crd.js";

const [version] = helloWorldChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

/** The seed's manifest, unchanged. */
const seedManifest: HelloWorldChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HelloWorldChaos",
  metadata: { name: "busybox-helloworld-chaos" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h" },
};

function withSpec(spec: object): object {
  return { ...seedManifest, spec: { ...seedManifest.spec, ...spec } };
}

describe("the HelloWorldChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(helloWorldChaosCrd.metadata.name).toBe("helloworldchaos.chaos-mesh.org");
    expect(helloWorldChaosCrd.spec).toMatchObject({
      group: "chaos-mesh.org",
      scope: "Namespaced",
      names: {
        kind: "HelloWorldChaos",
        listKind: "HelloWorldChaosList",
        plural: "helloworldchaos",
        singular: "helloworldchaos",
        categories: ["all", "chaos-mesh"],
      },
    });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("prints progress (the AllInjected condition's message), duration and age", () => {
    expect(version!.additionalPrinterColumns).toEqual([
      { name: "injected", type: "string", jsonPath: '.status.conditions[?(@.type=="AllInjected")].message' },
      { name: "duration", type: "string", jsonPath: ".spec.duration" },
      { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
  });

  it("is a structural schema: every node has a type", () => {
    const untyped: string[] = [];
    const walk = (node: OpenApiSchema, path: string): void => {
      if (!node.type) untyped.push(path);
      for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
      if (node.items) walk(node.items, `${path}[]`);
      if (node.additionalProperties) walk(node.additionalProperties, `${path}{}`);
    };
    walk(schema, "");
    expect(untyped).toEqual([]);
  });

  it("accepts the seed manifest", () => {
    expect(validateAgainstSchema(seedManifest, schema)).toEqual([]);
  });

  it("accepts every selector field, mode and container names", () => {
    const manifest = withSpec({
      selector: {
        namespaces: ["a", "b"],
        labelSelectors: { app: "busybox" },
        expressionSelectors: [{ key: "tier", operator: "In", values: ["web"] }, { key: "canary", operator: "DoesNotExist" }],
        annotationSelectors: { team: "x" },
        fieldSelectors: { "spec.nodeName": "node-1" },
        podPhaseSelectors: ["Running", "!Failed"],
        nodeSelectors: { "kubernetes.io/os": "linux" },
        nodes: ["node-1"],
        pods: { a: ["p1", "p2"] },
      },
      mode: "fixed-percent",
      value: "50",
      containerNames: ["main"],
      duration: "1h30m",
    });
    expect(validateAgainstSchema(manifest, schema)).toEqual([]);
  });

  it.each(["one", "all", "fixed", "fixed-percent", "random-max-percent"])("accepts mode %s", (mode) => {
    expect(validateAgainstSchema(withSpec({ mode, value: "1" }), schema)).toEqual([]);
  });

  it.each(["", "some", "ALL", "fixed_percent"])("rejects mode %j", (mode) => {
    expect(validateAgainstSchema(withSpec({ mode }), schema)).toEqual([expect.stringMatching(/^\.spec\.mode: must be one of/)]);
  });

  it.each(["0", "3", "100", ""])("accepts value %j", (value) => {
    expect(validateAgainstSchema(withSpec({ mode: "fixed", value }), schema)).toEqual([]);
  });

  it.each(["-1", "50%", "1.5", "abc", " 1", "+2"])("rejects value %j", (value) => {
    expect(validateAgainstSchema(withSpec({ mode: "fixed", value }), schema)).toEqual([
      expect.stringMatching(/^\.spec\.value: must match/),
    ]);
  });

  it("rejects a numeric value: it is a string, as in Chaos Mesh", () => {
    expect(validateAgainstSchema(withSpec({ value: 2 }), schema)).toEqual([".spec.value: must be a string"]);
  });

  it.each(["0", "30s", "1h", "1h30m", "1.5h", "300ms", "10us", "10\u00b5s", ".5m", "2h45m30.5s"])(
    "accepts duration %j",
    (duration) => {
      expect(validateAgainstSchema(withSpec({ duration }), schema)).toEqual([]);
    },
  );

  it.each(["", "1", "1d", "-1h", "h", "1 h", "forever"])("rejects duration %j", (duration) => {
    expect(validateAgainstSchema(withSpec({ duration }), schema)).toEqual([
      expect.stringMatching(/^\.spec\.duration: must match/),
    ]);
  });

  it("requires spec, selector and mode", () => {
    const { spec: _, ...noSpec } = seedManifest;
    expect(validateAgainstSchema(noSpec, schema)).toEqual([".spec: required"]);
    expect(validateAgainstSchema({ ...seedManifest, spec: { duration: "1h" } }, schema)).toEqual([
      ".spec.selector: required",
      ".spec.mode: required",
    ]);
  });

  it("rejects unknown and mistyped selector fields", () => {
    expect(validateAgainstSchema(withSpec({ selector: { namespace: ["a"] } }), schema)).toEqual([
      ".spec.selector.namespace: unknown field",
    ]);
    expect(validateAgainstSchema(withSpec({ selector: { pods: { a: "p1" } } }), schema)).toEqual([
      ".spec.selector.pods.a: must be an array",
    ]);
    expect(validateAgainstSchema(withSpec({ selector: { expressionSelectors: [{ key: "k" }] } }), schema)).toEqual([
      ".spec.selector.expressionSelectors[0].operator: required",
    ]);
  });

  it("accepts the status the records pipeline writes", () => {
    const manifest = {
      ...seedManifest,
      status: {
        conditions: [
          { type: "Selected", status: "True" },
          { type: "AllInjected", status: "False", reason: "" },
        ],
        experiment: {
          desiredPhase: "Run",
          containerRecords: [
            {
              id: "busybox/busybox-0/busybox",
              selectorKey: ".",
              phase: "Injected",
              injectedCount: 1,
              recoveredCount: 0,
              events: [{ type: "Succeeded", operation: "Apply", timestamp: "2026-01-01T00:00:00Z" }],
            },
            { id: "busybox/busybox-1/busybox", selectorKey: ".", phase: "Not Injected/Wait", injectedCount: 0, recoveredCount: 0 },
          ],
        },
      },
    };
    expect(validateAgainstSchema(manifest, schema)).toEqual([]);
  });

  it("rejects a malformed status", () => {
    const manifest = {
      ...seedManifest,
      status: {
        conditions: [{ type: "Selected", status: "Yes" }],
        experiment: {
          desiredPhase: "Pause",
          containerRecords: [
            {
              id: "a/b/c",
              selectorKey: ".",
              phase: "Done",
              injectedCount: -1,
              recoveredCount: 0,
              events: [{ type: "Succeeded", operation: "Inject", timestamp: "yesterday" }],
            },
          ],
        },
      },
    };
    expect(validateAgainstSchema(manifest, schema)).toEqual([
      ".status.conditions[0].status: must be one of True, False, Unknown",
      ".status.experiment.desiredPhase: must be one of Run, Stop",
      ".status.experiment.containerRecords[0].phase: must match ^(Not Injected|Injected)(/.*)?$",
      ".status.experiment.containerRecords[0].injectedCount: must be >= 0",
      ".status.experiment.containerRecords[0].events[0].operation: must be one of Apply, Recover",
      ".status.experiment.containerRecords[0].events[0].timestamp: must be a date-time",
    ]);
  });
});
