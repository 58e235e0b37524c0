/**
 * The request header (gRPC metadata key) in which the manager names the chaos object behind a
 * daemon call, `namespace/name`, as Chaos Mesh's manager does: the manager's pooled clients send
 * it, the daemon logs it with every request.
 */
export const namespacedNameHeader = "namespaced-name";
