// Every chaos kind Faultline ships, one line each (`npx nx g @faultline/nx-plugin:chaos-kind` adds
// the line). catalog.ts lists what this module exports.
export { dnsChaos } from "./dns/index.js";
export { helloWorldChaos } from "./helloworld/index.js";
export { httpChaos } from "./http/index.js";
export { ioChaos } from "./io/index.js";
export { networkChaos } from "./network/index.js";
export { podChaos } from "./pod/index.js";
export { stressChaos } from "./stress/index.js";
export { timeChaos } from "./time/index.js";
