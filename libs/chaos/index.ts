// @faultline/chaos — the chaos kinds Faultline ships, one folder each (import a kind's own API
// from `@faultline/chaos/<folder>`, e.g. `@faultline/chaos/helloworld`), and their catalog.
export { builtInChaosKinds } from "./catalog.js";
