import type { CustomResourceDefinition } from "./openapi-schema.js";

/**
 * The API group of Faultline's own resources and annotations (the kill switch, the plan and
 * blast-radius annotations): beside Chaos Mesh's `chaos-mesh.org`, never inside it.
 */
export const faultlineGroup = "faultline.chaos-mesh.org";

/** The kind of the cluster-wide kill switch. */
export const killSwitchKind = "KillSwitch";
/** The only name a KillSwitch may have (a CEL rule of its CRD refuses any other). */
export const killSwitchName = "cluster";
/** Its resource: cluster-scoped `killswitches.faultline.chaos-mesh.org`. */
export const killSwitchResource = { group: faultlineGroup, version: "v1alpha1", plural: "killswitches", kind: killSwitchKind } as const;
/** Its apiVersion: `faultline.chaos-mesh.org/v1alpha1`. */
export const killSwitchApiVersion = `${faultlineGroup}/v1alpha1` as const;
/** The condition reason (and the Workflow condition type) every object shows while the switch is engaged. */
export const killSwitchReason = "KillSwitch";

/** The kill switch's condition: whether every record of every experiment is recovered. */
export interface KillSwitchCondition {
  type: "AllRecovered";
  status: "True" | "False";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The singleton `killswitch/cluster`: absent or `engaged: false` is off. */
export interface KillSwitch {
  apiVersion: typeof killSwitchApiVersion;
  kind: typeof killSwitchKind;
  metadata: { name: string; resourceVersion?: string; generation?: number; uid?: string; creationTimestamp?: string };
  spec: {
    engaged: boolean;
    /** Why it was engaged, shown in every paused object's condition. */
    reason?: string;
    /** Who engaged it (the CLI fills the user from a SelfSubjectReview). */
    engagedBy?: string;
  };
  /** Written by the manager (the status subresource). */
  status?: {
    observedGeneration?: number;
    /** When the manager saw it engaged; unset while off. */
    engagedAt?: string;
    /** When every record of every experiment was seen recovered after it was engaged. */
    recoveredAt?: string;
    /** Records still Injected (or being applied) while engaged; 0 = all recovered. */
    activeRecords?: number;
    conditions?: KillSwitchCondition[];
  };
}

/** What the records pipeline, Schedules and Workflows need to know of the switch. */
export interface KillSwitchState {
  engaged: boolean;
  reason?: string;
  /**
   * Set when the manager cannot read the switch (its CRD is not installed, or its RBAC lacks list
   * or watch on killswitches): why. The manager then treats it as engaged (`engaged: true`).
   */
  unknown?: string;
}

/**
 * The message of every object's condition while the switch is engaged:
 * `the kill switch (killswitch/cluster) is engaged: <reason>`; while its state is unknown,
 * `the kill switch's state (killswitch/cluster) is unknown: <why>; treated as engaged`.
 */
export function killSwitchMessage(state: KillSwitchState): string {
  if (state.unknown !== undefined) return `the kill switch's state (killswitch/${killSwitchName}) is unknown: ${state.unknown}; treated as engaged: recovering every record, starting nothing`;
  return `the kill switch (killswitch/${killSwitchName}) is engaged: ${state.reason?.trim() || "no reason given"}`;
}

/** The state a KillSwitch object (or its absence) gives: engaged only when `spec.engaged` is `true`. */
export function killSwitchStateOf(obj: Pick<KillSwitch, "spec"> | undefined): KillSwitchState {
  if (obj?.spec?.engaged !== true) return { engaged: false };
  return { engaged: true, ...(obj.spec.reason !== undefined && { reason: obj.spec.reason }) };
}

/**
 * The status the switch should have now, given what was written, the records still active, and the
 * reconciles still running that began before the switch was engaged (which may yet inject).
 */
export function killSwitchStatus(obj: KillSwitch, activeRecords: number, now: Date, reconcilesBefore = 0): NonNullable<KillSwitch["status"]> {
  const previous = obj.status ?? {};
  const state = killSwitchStateOf(obj);
  const at = now.toISOString();
  const condition = (next: Omit<KillSwitchCondition, "type" | "lastTransitionTime">): KillSwitchCondition[] => {
    const before = previous.conditions?.find((c) => c.type === "AllRecovered");
    const lastTransitionTime = before?.status === next.status && before.lastTransitionTime ? before.lastTransitionTime : at;
    return [{ type: "AllRecovered", ...next, lastTransitionTime }];
  };
  const observedGeneration = obj.metadata.generation ?? 0;
  if (!state.engaged) {
    return { observedGeneration, conditions: condition({ status: "False", reason: "Disengaged", message: "the kill switch is off: experiments run" }) };
  }
  // engagedAt survives a restart of the manager and a change of the reason, not a disengage
  const engagedAt = previous.engagedAt ?? at;
  if (activeRecords > 0 || reconcilesBefore > 0) {
    const running = `${reconcilesBefore} reconcile(s) begun before the switch was engaged still running`;
    const message = activeRecords > 0 ? `${activeRecords} record(s) still injected${reconcilesBefore > 0 ? `; ${running}` : ""}` : running;
    return { observedGeneration, engagedAt, activeRecords, conditions: condition({ status: "False", reason: "Recovering", message }) };
  }
  return {
    observedGeneration,
    engagedAt,
    recoveredAt: previous.recoveredAt ?? at,
    activeRecords: 0,
    conditions: condition({ status: "True", reason: "AllRecovered", message: "every record of every experiment is recovered" }),
  };
}

/**
 * The KillSwitch CRD: cluster-scoped (one ClusterRole and ClusterRoleBinding grant it without knowing
 * the manager's namespace; `kubectl get killswitch` finds it), a singleton named `cluster` (a CEL rule
 * at the root), with a status the manager writes saying what it did.
 */
export function killSwitchCrd(): CustomResourceDefinition {
  const text = { type: "string", maxLength: 256 } as const;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${killSwitchResource.plural}.${faultlineGroup}` },
    spec: {
      group: faultlineGroup,
      names: { kind: killSwitchKind, listKind: `${killSwitchKind}List`, plural: "killswitches", singular: "killswitch", shortNames: ["ks"], categories: ["faultline"] },
      scope: "Cluster",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          additionalPrinterColumns: [
            { name: "engaged", type: "boolean", jsonPath: ".spec.engaged" },
            { name: "active", type: "integer", jsonPath: ".status.activeRecords", description: "records still injected while engaged" },
            { name: "reason", type: "string", jsonPath: ".spec.reason" },
            { name: "by", type: "string", jsonPath: ".spec.engagedBy" },
            { name: "engaged at", type: "date", jsonPath: ".status.engagedAt" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description:
                "The cluster-wide kill switch of Faultline (a singleton named 'cluster'; absent = off). While spec.engaged is true the manager recovers every record of every chaos experiment, starts nothing new, Schedules do not spawn and Workflows wait; setting it false resumes what was running.",
              required: ["spec"],
              "x-kubernetes-validations": [{ rule: "self.metadata.name == 'cluster'", message: "the only KillSwitch is named 'cluster' (rule: self.metadata.name == 'cluster')" }],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: {
                  type: "object",
                  required: ["engaged"],
                  properties: {
                    engaged: { type: "boolean", description: "true stops all chaos; false (or no KillSwitch) lets it run" },
                    reason: { ...text, description: "why it was engaged, shown in every paused object's condition" },
                    engagedBy: { ...text, description: "who engaged it" },
                  },
                },
                status: {
                  type: "object",
                  properties: {
                    observedGeneration: { type: "integer" },
                    engagedAt: { type: "string", format: "date-time" },
                    recoveredAt: { type: "string", format: "date-time" },
                    activeRecords: { type: "integer", minimum: 0 },
                    conditions: {
                      type: "array",
                      items: {
                        type: "object",
                        required: ["type", "status"],
                        properties: {
                          type: { type: "string" },
                          status: { type: "string", enum: ["True", "False", "Unknown"] },
                          reason: { type: "string" },
                          message: { type: "string" },
                          lastTransitionTime: { type: "string", format: "date-time" },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  };
}
