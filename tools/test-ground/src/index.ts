// @faultline/test-ground — the real parts integration tests run against: the local cluster's API
// server (tools/local-cluster), and pods whose containers run for real in the private containerd.
export { localCluster } from "./local-cluster.js";
export type { LocalCluster } from "./local-cluster.js";
export { SimulatedKubelet } from "./simulated-kubelet.js";
export type { SimulatedPodSpec } from "./simulated-kubelet.js";
export { createTestNamespace, deleteChaosObjects, deleteTestNamespace } from "./test-namespace.js";
export { describeObject, namespacedResources, objectsInNamespace, objectsWithoutNamespace } from "./api-resources.js";
export type { ListedObject, NamespacedResource, ObjectRef } from "./api-resources.js";
export { runAppExpectingFailure, startAppProcess } from "./app-process.js";
export type { AppProcess, LogLine } from "./app-process.js";
export { applyChaosCrds, applyCrds } from "./chaos-crds.js";
export { apiRequest } from "./api-request.js";
export type { ApiResponse } from "./api-request.js";
export { deployBusybox } from "./busybox-deployment.js";

// Real containers through the private containerd of tools/runtime/setup.sh (moved here from
// @faultline/cri-client/testing, so no library ships them)
export { CriPodFixture, connectCriRuntime } from "./cri-pod-fixture.js";
export type { StartContainerOptions, StartedContainer } from "./cri-pod-fixture.js";
export { defaultTestContainerdSocket } from "./default-test-containerd-socket.js";
export { cgroupsOf, cpuRate, cpuUsageNs, memoryLimitFile, memoryUsageBytes, processesInPidNamespaceOf, stressNgProcesses } from "./cgroup-accounting.js";

// The test tiers: the unit tier (FAULTLINE_TEST_TIER=unit) may not reach a real part
export { requireRealParts } from "./test-tier.js";
export { eventually } from "./eventually.js";
export { offlineKubeConfig } from "./offline-kube-config.js";
export { freePort } from "./free-port.js";
// A test's own upstream DNS server (DNSChaos): an authoritative zone on UDP and TCP
export { startDnsZoneServer } from "./dns-zone-server.js";
export type { DnsZone, DnsZoneQuery, DnsZoneServer } from "./dns-zone-server.js";
