/**
 * `"true"` on any chaos object: the manager injects nothing (desired phase Stop, the Paused
 * condition True with reason {@link planOnlyReason}) and writes `status.plan` instead — the
 * candidates its selector matches, the node of each, whether that node's daemon can perform it, and
 * the exact steps (daemon requests and commands, API patches) apply would take. Removing it lets the
 * object run normally. Faultline's; Chaos Mesh has no such annotation.
 *
 * @example
 * metadata.annotations = { [planAnnotation]: "true" };
 */
export const planAnnotation = "faultline.chaos-mesh.org/plan";

/** The reason of the Paused condition (and the desired phase's cause) while the plan annotation is set. */
export const planOnlyReason = "PlanOnly";

/** The most targets a `status.plan` lists; `truncatedTargets` counts the rest. */
export const maxPlannedTargets = 200;
