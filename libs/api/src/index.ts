// @faultline/api — the types every part of Faultline shares.
//
// The ChaosDaemon protocol: package "pb", service ChaosDaemon, wire-compatible with Chaos Mesh 2.x
// daemons for the RPCs it defines. Generated from proto/pb/chaosdaemon.proto by `npx buf generate`.
export {
  ChaosDaemon,
  ContainerActionSchema,
  ContainerAction_Action,
  ContainerRequestSchema,
  ContainerResponseSchema,
  ExecHelloWorldRequestSchema,
  file_pb_chaosdaemon,
} from "./gen/pb/chaosdaemon_pb.js";
export type {
  ContainerAction,
  ContainerRequest,
  ContainerResponse,
  ExecHelloWorldRequest,
} from "./gen/pb/chaosdaemon_pb.js";
