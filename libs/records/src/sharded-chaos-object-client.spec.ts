import type { ChaosKind, ChaosObject } from "@faultline/impl-registry";
import { activeRecordsOf } from "./sharded-chaos-object-client.js";

const kind = (oneShot: boolean) => ({ definition: { oneShot } }) as unknown as ChaosKind;
const record = (phase: string, applying?: boolean) => ({ id: "ns/p", selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0, ...(applying && { applying }) });
const obj = (experiment: object): ChaosObject => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "X", metadata: { name: "a", namespace: "ns" }, spec: {}, status: { experiment } }) as ChaosObject;

describe("activeRecordsOf", () => {
  it("counts every record not exactly Not Injected, and any marked applying", () => {
    expect(activeRecordsOf(kind(false), obj({ containerRecords: [record("Injected"), record("Not Injected"), record("Not Injected", true), record("Injected/Wait")] }))).toBe(3);
  });

  it("reads the counts per phase of an experiment whose records are in RecordShards", () => {
    expect(activeRecordsOf(kind(false), obj({ recordCounts: { Injected: 1200, "Not Injected": 300 } }))).toBe(1200);
  });

  it("never counts a one-shot's records: a killed pod has nothing to recover", () => {
    expect(activeRecordsOf(kind(true), obj({ containerRecords: [record("Injected")] }))).toBe(0);
  });
});
