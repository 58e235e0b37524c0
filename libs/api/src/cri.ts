// @faultline/api/cri — the subset of the Kubernetes CRI v1 runtime API that Faultline speaks
// (proto/runtime/v1/api.proto; names and field numbers are upstream's).
export * from "./gen/runtime/v1/api_pb.js";
