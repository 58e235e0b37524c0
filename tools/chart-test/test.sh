#!/bin/bash
# tools/chart-test/test.sh [--static] — tests of charts/faultline: CRDs in sync with libs/api, helm
# lint, renders with default and non-default values, `kubectl apply --dry-run=server` of each
# render, and certificate reuse across real `helm install`/`upgrade`s against the local cluster
# (tools/local-cluster must be up; --static runs only what needs no cluster). Ends with
# "N passed, N failed". Leaves nothing behind in the cluster.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="${FAULTLINE_K8S_BIN:-/var/cache/faultline/k8s-v1.34.4/bin}:$PWD/node_modules/.bin:$PATH"
export KUBECONFIG="${KUBECONFIG:-$PWD/.cluster/admin.kubeconfig}"
command -v helm >/dev/null && command -v kubectl >/dev/null || { echo "helm and kubectl needed (tools/local-cluster builds them)"; echo "0 passed, 1 failed"; exit 1; }
exec node tools/chart-test/chart.test.mjs "$@"
