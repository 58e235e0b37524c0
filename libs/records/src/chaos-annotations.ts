/** The finalizer the pipeline keeps on every chaos object until its records are recovered. */
export const recordsFinalizer = "chaos-mesh/records";

/** `"forced"` lets a deleted object go without waiting for its records to be recovered. */
export const cleanFinalizerAnnotation = "chaos-mesh.chaos-mesh.org/cleanFinalizer";

/** The value of {@link cleanFinalizerAnnotation} that removes the finalizer at once. */
export const cleanFinalizerForced = "forced";
