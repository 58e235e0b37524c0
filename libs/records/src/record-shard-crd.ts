import { defineResourceCrd, recordSchema, type CustomResourceDefinition, type OwnerReference, type Record } from "@faultline/api";

import { recordShardKind } from "./record-shard-names.js";

/** How many records one object holds: the status itself, or one RecordShard. */
export const defaultRecordsPerShard = 1000;

/** One RecordShard: records `index · size` and up of one experiment, in their order. */
export interface RecordShard {
  apiVersion: "chaos-mesh.org/v1alpha1";
  kind: typeof recordShardKind;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: { [key: string]: string };
    ownerReferences?: OwnerReference[];
  };
  spec: { experiment: { kind: string; name: string }; index: number; records: Record[] };
}

/** The name of an experiment's `index`th shard. */
export const recordShardName = (experiment: string, index: number) => `${experiment}-records-${index}`;

/**
 * The RecordShard CRD: records of one experiment (a slice of what `status.experiment.containerRecords`
 * would hold), owned by it. Not in the `chaos-mesh` category: `kubectl get chaos-mesh` lists the
 * experiments, not their shards.
 */
export function recordShardCrd(): CustomResourceDefinition {
  return defineResourceCrd({
    kind: recordShardKind,
    categories: ["faultline"],
    description:
      "Records of one chaos experiment whose targets do not fit its status: the experiment's status keeps counts per phase and the number of shards, each shard up to a thousand records. Written by the manager only; deleted with the experiment.",
    spec: {
      type: "object",
      required: ["experiment", "index", "records"],
      properties: {
        experiment: {
          type: "object",
          required: ["kind", "name"],
          properties: { kind: { type: "string" }, name: { type: "string" } },
        },
        index: { type: "integer", minimum: 0 },
        records: { type: "array", items: recordSchema },
      },
    },
    status: { type: "object" },
    printerColumns: [
      { name: "experiment", type: "string", jsonPath: ".spec.experiment.name" },
      { name: "index", type: "integer", jsonPath: ".spec.index" },
      { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}
