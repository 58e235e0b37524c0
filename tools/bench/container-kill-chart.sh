#!/bin/bash
# `npm run bench:container-kill:chart [-- --pods N --runs N]` — PodChaos container-kill through the
# chart-installed manager and daemon on real kubelet pods: create → AllInjected per run, against
# a bare kill -9 of the same containers. Brings the full local cluster up, builds and imports the
# manager and daemon images, installs the chart with the README's `helm install` line (uninstalled
# at the end), and runs tools/bench/container-kill-chart.mjs. The cluster keeps the node count it runs
# with: for 1,000 pods over 3 nodes, first
#   local-cluster down; FAULTLINE_NODE_POD_PREFIX=22 FAULTLINE_MAX_PODS=400 local-cluster up --nodes 3
# then: npm run bench:container-kill:chart -- --pods 1000 --runs 1
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="${FAULTLINE_K8S_BIN:-/var/cache/faultline/k8s-v1.34.4/bin}:$PWD/node_modules/.bin:$PATH"
bash tools/runtime/setup.sh >/dev/null
tools/local-cluster/local-cluster up >/dev/null
export KUBECONFIG="${KUBECONFIG:-$PWD/.cluster/admin.kubeconfig}"
bash tools/images/build.sh manager daemon >/dev/null
# every node's containerd: the one of a single node, or each of --nodes N
for sock in .cluster/runtime/containerd.sock .cluster/nodes/*/runtime/containerd.sock; do
  [ -S "$sock" ] && bash tools/images/import.sh "$sock" .images/faultline-manager.oci.tar .images/faultline-daemon.oci.tar >/dev/null
done
node tools/bench/container-kill-chart.mjs "$@"
