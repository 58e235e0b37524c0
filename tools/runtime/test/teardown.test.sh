#!/bin/bash
# tools/runtime/test/teardown.test.sh — setup.sh then teardown.sh on a second, private runtime, with
# a pod sandbox on its own network namespace and a running container; checks that teardown leaves
# no process, mount, netns, bridge or cgroup behind. Prints "N passed, N failed".
# Needs root and crictl (built by tools/local-cluster into its binary cache).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
D=$(mktemp -d /tmp/faultline-runtime-test.XXXXXX)
export FAULTLINE_RUNTIME_DIR=$D FAULTLINE_CNI_BRIDGE=fltest0 FAULTLINE_CNI_SUBNET=10.90.0.0/16
CRICTL=${CRICTL:-${FAULTLINE_K8S_CACHE:-/var/cache/faultline/k8s-v1.34.4}/bin/crictl}
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok   - $name"; passed=$((passed + 1)); else echo "FAIL - $name"; failed=$((failed + 1)); fi
}
finish() { rm -rf "$D"; echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
[ -x "$CRICTL" ] || "$REPO/tools/local-cluster/local-cluster" build crictl >/dev/null || { echo "FAIL - crictl unavailable"; failed=1; finish; }
cri() { "$CRICTL" --config /dev/null --runtime-endpoint "unix://$D/containerd.sock" --image-endpoint "unix://$D/containerd.sock" --timeout 30s "$@"; }

check "setup.sh starts a second runtime" bash "$REPO/tools/runtime/setup.sh"
CONTAINERD_PID=$(cat "$D/containerd.pid" 2>/dev/null)
cat > "$D/pod.json" <<JSON
{ "metadata": { "name": "teardown-test", "namespace": "default", "uid": "teardown-test-uid" },
  "log_directory": "$D/podlogs", "linux": {} }
JSON
cat > "$D/container.json" <<JSON
{ "metadata": { "name": "sleeper" }, "image": { "image": "docker.io/library/busybox:latest" },
  "command": ["sleep", "3600"], "log_path": "sleeper.log", "linux": {} }
JSON
mkdir -p "$D/podlogs"
POD=$(cri runp "$D/pod.json" 2>/dev/null)
CTR=$(cri create "$POD" "$D/container.json" "$D/pod.json" 2>/dev/null) && cri start "$CTR" >/dev/null 2>&1
PID=$(cri inspect "$CTR" 2>/dev/null | jq -r '.info.pid')
NETNS=$(cri inspectp "$POD" 2>/dev/null | jq -r '.info.runtimeSpec.linux.namespaces[] | select(.type=="network") | .path')
check "a pod with its own network namespace runs a container" bash -c "[ -n '$PID' ] && [ '$PID' != 0 ] && kill -0 $PID && [ -e '$NETNS' ]"
check "the pod network bridge exists" ip link show fltest0
# the container's memory cgroup, as the kernel reports it (cgroup v1: "N:memory:/path")
CGROUP=/sys/fs/cgroup/memory$(awk -F: '$2=="memory"{print $3}' "/proc/$PID/cgroup" 2>/dev/null)
check "the container has its own cgroup ($CGROUP)" bash -c "[ '$CGROUP' != /sys/fs/cgroup/memory/ ] && [ -d '$CGROUP' ]"
SHIMS=$(pgrep -f "containerd-shim.*-address $D/containerd.sock" | tr '\n' ' ')

check "teardown.sh exits 0" bash "$REPO/tools/runtime/teardown.sh"
check "containerd is gone" bash -c "! kill -0 $CONTAINERD_PID"
check "its shims are gone ($SHIMS)" bash -c "for p in $SHIMS; do kill -0 \$p 2>/dev/null && exit 1; done; exit 0"
check "the container's process is gone" bash -c "! kill -0 $PID"
check "no mount is left under the runtime dir" bash -c "! grep -qF ' $D/' /proc/self/mountinfo"
check "the pod's netns is gone" bash -c "[ ! -e '$NETNS' ]"
check "the bridge is gone" bash -c "! ip link show fltest0"
check "the container's cgroup is gone" bash -c "[ ! -d '$CGROUP' ]"
check "the state is removed" bash -c "[ ! -e '$D/containerd.sock' ] && [ ! -d '$D/root' ] && [ ! -d '$D/state' ]"
finish
