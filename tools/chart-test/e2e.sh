#!/bin/bash
# tools/chart-test/e2e.sh [helm --set flags…] — installs charts/faultline into the local cluster with
# the locally built images and runs the HelloWorldChaos flow through the chart-deployed manager and
# daemon and the dashboard in token mode (dashboard.enabled=true), then uninstalls. Needs
# tools/local-cluster up (full) and the images docker.io/faultline/{manager,daemon,dashboard}:<appVersion>
# in the kubelet's containerd (tools/images builds and imports them). Ends with "N passed, N failed".
#   e2e.sh                              defaults (privileged daemon, chart-generated mTLS)
#   e2e.sh --set daemon.privileged=false   the capabilities-only daemon
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="${FAULTLINE_K8S_BIN:-/var/cache/faultline/k8s-v1.34.4/bin}:$PWD/node_modules/.bin:$PATH"
export KUBECONFIG="${KUBECONFIG:-$PWD/.cluster/admin.kubeconfig}"
command -v helm >/dev/null && command -v kubectl >/dev/null || { echo "helm and kubectl needed (tools/local-cluster builds them)"; echo "0 passed, 1 failed"; exit 1; }
exec node tools/chart-test/e2e.test.mjs "$@"
