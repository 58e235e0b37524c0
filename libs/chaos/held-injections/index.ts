// Manager-side support for kinds whose node daemon holds each record's injection under a key and
// lists the keys it holds (StressChaos, DNSChaos, HTTPChaos): the key scheme, lost injections and
// the sweep, written once.
export { heldRecordKey, heldRecordKeyOf, parseHeldContainerRecordKey, parseHeldPodRecordKey, parseHeldRecordKey } from "./record-key.js";
export { isUnimplemented, lostByHeldKeys, recoverHeldRecord, sweepHeldKeys } from "./held-injection-lists.js";
export type { HeldInjection, HeldInjectionTarget } from "./held-injection-lists.js";
