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

/** The status every chaos object has. */
export interface ChaosStatus {
  conditions?: ChaosCondition[];
  experiment?: ExperimentStatus;
}
