// @faultline/cri-client/testing — real containers for integration tests, through the private
// containerd that tools/runtime/setup.sh starts. Not for production code.
export { CriPodFixture } from "./cri-pod-fixture.js";
export type { StartContainerOptions, StartedContainer } from "./cri-pod-fixture.js";
export { defaultTestContainerdSocket } from "./default-test-containerd-socket.js";
