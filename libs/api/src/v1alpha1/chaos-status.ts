/** The condition types every chaos object reports. */
export type ChaosConditionType = "Selected" | "AllInjected" | "AllRecovered" | "Paused";

/** One condition of a chaos object's status. */
export interface ChaosCondition {
  type: ChaosConditionType;
  status: "True" | "False" | "Unknown";
  /** Why the condition has its status, CamelCase (for example `NoPodSelected`, `NotAllInjected`). */
  reason?: string;
  /** The same for people, short (for example "18 of 20 records injected, 2 failing"). */
  message?: string;
}

/** Whether the experiment should be running or stopped. */
export type DesiredPhase = "Run" | "Stop";

/**
 * A record's phase: "Not Injected" or "Injected", optionally with "/Sub" suffixes for kinds whose
 * injection has steps.
 */
export type RecordPhase = "Not Injected" | "Injected" | `Not Injected/${string}` | `Injected/${string}`;

/** One apply or recover attempt on a record. */
export interface RecordEvent {
  type: "Succeeded" | "Failed";
  operation: "Apply" | "Recover";
  message?: string;
  /** RFC 3339. */
  timestamp: string;
}

/** One target of an experiment: a pod (`ns/name`) or a container (`ns/pod/container`). */
export interface Record {
  id: string;
  /** The key of the selector that chose it ("." for a kind's only selector). */
  selectorKey: string;
  phase: RecordPhase;
  injectedCount: number;
  recoveredCount: number;
  /**
   * Written (true) before an apply starts, in the same write for the whole wave of records, and
   * removed with the apply's success: a record that has it may hold an injection whatever its
   * phase (the manager stopped between the apply and the write of its outcome, or the apply failed
   * half-way), so stopping the experiment recovers it too. Faultline's; Chaos Mesh has no such field.
   */
  applying?: boolean;
  events?: RecordEvent[];
}

/** The experiment part of a chaos object's status. */
export interface ExperimentStatus {
  desiredPhase?: DesiredPhase;
  /**
   * The JSON key is `containerRecords`, as in Chaos Mesh, whatever the targets are. Absent when
   * the records moved to RecordShard objects (`recordShards`): an experiment with more targets
   * than one object can hold.
   */
  containerRecords?: Record[];
  /**
   * Faultline's: the number of RecordShard objects (`<name>-records-<i>`, owned by the experiment)
   * that hold the records instead of `containerRecords`. Set once, at selection.
   */
  recordShards?: number;
  /** Faultline's: how many records are in each phase (for example `{"Injected": 9998, "Not Injected": 2}`). */
  recordCounts?: { [phase: string]: number };
}

/**
 * One thing the experiment would do for a record, in order: a daemon RPC (with the exact commands
 * the daemon would run) or an API write by the manager.
 */
export interface PlannedStep {
  /** Executed by the node's daemon, or an API write by the manager. */
  on: "daemon" | "api";
  /** The daemon RPC's name (Chaos Mesh's where it is one): "SetTcs", "ContainerKill". */
  rpc?: string;
  /** The request message as JSON (toJson of the protobuf message). */
  request?: unknown;
  /** The exact commands the daemon would run (nsenter … tc qdisc add …). */
  argv?: string[][];
  /** For `on: "api"`: the patch or delete the manager would send. */
  patch?: unknown;
  note?: string;
}

/** One candidate target of a plan: the record it would become and what would be done for it. */
export interface PlannedTarget {
  /** The record id it would get: ns/pod or ns/pod/container. */
  id: string;
  /** The pod: ns/name. */
  pod: string;
  container?: string;
  /** The pod's spec.nodeName ("" when unscheduled). */
  node: string;
  /** Whether this node's daemon can perform it (the kind's capability check). */
  capable: boolean;
  /** Why not, naming the node and the missing piece. */
  reason?: string;
  /** What would be done for this record, in order. */
  steps: PlannedStep[];
}

/**
 * Faultline's `status.plan`: what the experiment would do, written instead of injecting while the
 * object has the annotation `faultline.chaos-mesh.org/plan: "true"`.
 */
export interface ExperimentPlan {
  /** RFC 3339. */
  generatedAt: string;
  observedGeneration: number;
  /** The selector's mode: one | all | fixed | fixed-percent | random-max-percent. */
  mode: string;
  value?: string;
  /** The targets the selector matched before the mode picks. */
  candidates: number;
  /** How many the mode will pick at injection. */
  picks: number;
  /** For people: "one of these 12 pods, picked at random at injection" / "all 12". */
  randomness: string;
  /** Every candidate, at most 200 (`truncatedTargets` says how many more). */
  targets: PlannedTarget[];
  truncatedTargets?: number;
  /** The guard rails that would refuse it (blast radius, protected namespace). */
  refusals?: string[];
}

/** The status every chaos object has. */
export interface ChaosStatus {
  conditions?: ChaosCondition[];
  experiment?: ExperimentStatus;
  /** Faultline's: the plan, while the object has the plan annotation. */
  plan?: ExperimentPlan;
}
