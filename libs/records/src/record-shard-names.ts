// The names of RecordShards (kind, resource, the label naming their experiment), in a module with
// no import, so the dashboard (a browser bundle) finds an experiment's shards by the manager's own
// names (`@faultline/records/record-shard-names`).

/** The kind of the objects that hold an experiment's records when its status cannot. */
export const recordShardKind = "RecordShard";
/** Its resource: `recordshards.chaos-mesh.org`. */
export const recordShardResource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "recordshards" } as const;
/** The label naming the uid of the experiment a shard belongs to. */
export const recordShardExperimentLabel = "faultline.chaos-mesh.org/experiment-uid";
