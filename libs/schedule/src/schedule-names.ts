// The names a Schedule's children carry, in a module of their own with no Node import, so the
// dashboard (a browser bundle) reads them from here (`@faultline/schedule/names`).

/** The label naming a child's Schedule (Chaos Mesh's LabelManagedBy). */
export const managedByLabel = "managed-by";

/** Faultline's annotation on a child: the slot (RFC 3339) it was spawned for. */
export const scheduleSlotAnnotation = "schedule.faultline.chaos-mesh.org/slot";
