/**
 * The request header that carries the chaos object's `namespace/name` to the daemon (Chaos Mesh's
 * `namespaced-name` metadata key). The daemon reads the same key: @faultline/daemon-server defines
 * it too, since neither library may depend on the other; both move to @faultline/api's one
 * definition once it has it.
 */
export const namespacedNameHeader = "namespaced-name";
