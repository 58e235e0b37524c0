// @faultline/chaos/http — HTTPChaos: abort, delay, replace or patch the HTTP requests a pod's server
// receives on one port, or its responses, without touching its code.
// Manager side: Apply checks the node can intercept HTTP, reads tls's Secret, then sends ExecHTTPChaos
// with the record's key and Chaos Mesh's rule shape; Recover sends RecoverHTTPChaos; lost injections
// and the sweep read ListHTTPChaos.
// Daemon side: ExecHTTPChaos and RecoverHTTPChaos run the kind's commands in the target pod's namespaces.
export { httpChaos } from "./http-chaos.js";
export {
  base64Pattern,
  httpChaosCrd,
  httpChaosSpecRules,
  httpChaosTargets,
  httpMethods,
  httpPatchBodyJsonRule,
  httpPatchBodyTypes,
  httpPatchBodyValueMaxLength,
  jsonOutlineRegexSource,
} from "./http-chaos-crd.js";
export type { HTTPChaos, HTTPChaosSpec, HTTPChaosTarget } from "./http-chaos-crd.js";
export {
  HTTPChaosRulesRefusedError,
  HTTPChaosTlsError,
  NodeCannotInterceptHTTPError,
  defaultTlsCertName,
  defaultTlsKeyName,
  execHTTPChaosRequestOf,
  httpChaosManager,
  httpInterceptionCapability,
  httpRulesOf,
  missingHTTPCapabilities,
  readHTTPChaosTls,
  tlsPassThroughMessage,
  tlsPassThroughReason,
} from "./http-chaos-manager.js";
export type { HTTPChaosRule, HTTPChaosTls } from "./http-chaos-manager.js";
export { execHTTPChaosCommands } from "./http-chaos-plan.js";
export type { HTTPInjectionCommands } from "./http-chaos-plan.js";
export { HttpRuleError, compileHttpRule, parseHttpRules, pathGlobRegExp, requestMatches, responseMatches } from "./proxy/http-rules.js";
export type { CompiledHttpRule, HttpRule } from "./proxy/http-rules.js";
export { editRequest, editResponse } from "./proxy/http-edits.js";
export { createHttpChaosDaemon, httpChaosDaemon } from "./http-chaos-daemon.js";
export type { HttpChaosDaemon, HttpChaosDaemonOptions } from "./http-chaos-daemon.js";
