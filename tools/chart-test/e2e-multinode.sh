#!/bin/bash
# tools/chart-test/e2e-multinode.sh [--nodes N] — the chart end to end on a multi-node local cluster
# (issue 13): brings the cluster up with N nodes (default 3; `up` reuses it when it already runs with
# N), imports the images built by tools/images/build.sh into every node's containerd, and runs
# e2e-multinode.test.mjs (one daemon per node; each record handled by its own node's daemon; the
# `nodes` and `nodeSelectors` selectors; one node's daemon down fails only that node's records). It
# leaves the cluster up (tools/local-cluster/test/multinode.sh, or `local-cluster down`, stops it).
# Uses the cluster the env selects (FAULTLINE_CLUSTER_DIR, …). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
N=3
[ "${1:-}" = --nodes ] && N=${2:?--nodes N}
LC=tools/local-cluster/local-cluster
fail() { echo "e2e-multinode setup failed: $*"; echo "0 passed, 1 failed"; exit 1; }
"$LC" up --nodes "$N" || fail "local-cluster up --nodes $N"
eval "$("$LC" env)"
export PATH="$PWD/node_modules/.bin:$PATH"
# every node's containerd side by side (~10 s per image and node, unpacking); the manager's and the
# daemon's images only (this test installs no dashboard)
pids=()
images=${FAULTLINE_IMAGES_OUT:-.images}
for s in $FAULTLINE_CLUSTER_CONTAINERD_SOCKETS; do
  bash tools/images/import.sh "$s" "$images/faultline-manager.oci.tar" "$images/faultline-daemon.oci.tar" >/dev/null & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "tools/images/import.sh (build the images first: tools/images/build.sh)"; done
exec node tools/chart-test/e2e-multinode.test.mjs
