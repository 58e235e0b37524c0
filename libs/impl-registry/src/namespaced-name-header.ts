// One definition, in @faultline/api: the daemon reads the key the pool sends.
export { namespacedNameHeader } from "@faultline/api";
