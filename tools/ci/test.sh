#!/bin/bash
# tools/ci/test.sh — `npm test`: every test, against the real test ground.
#   1. starts the private containerd (tools/runtime/setup.sh) and the local Kubernetes cluster
#      (tools/local-cluster: builds its binaries on first use, ~15 min cold on 2 cores, cached after)
#   2. runs the "test" target of every nx project (jest)
#   3. builds the container images (tools/images) and tests them on the cluster, then the Helm chart
#      (tools/chart-test: lint, render, server dry-run, upgrade, and end to end through the
#      chart-deployed manager and daemon)
#   4. runs the runtime's teardown test, the local cluster's acceptance tests (they end with `down`),
#      the chart end to end on 3 nodes, the 3-node cluster's test (ends with `down`) and its handle's tests
# and ends with the line "N passed, N failed", summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf .test-results && mkdir -p .test-results
fail_setup() { echo "test setup failed: $*"; echo "0 passed, 1 failed"; exit 1; }

bash tools/runtime/setup.sh || fail_setup "tools/runtime/setup.sh"
tools/local-cluster/local-cluster up || fail_setup "tools/local-cluster/local-cluster up (logs: .cluster/logs)"

projects=$(npx nx show projects --with-target test | wc -l)
npx nx run-many -t test --outputStyle=stream
nx_status=$?
# no package ships test support (the test targets built every library's dist)
node tools/ci/check-test-support.mjs --record
# the README's layers: no upward import or dependency, no chaos logic in an app
bash tools/ci/test-architecture.sh

# a plain "N passed, N failed" line → a summary file like the jest reporter's
record() { # project name, log file
  local line passed failed file=${1//\//_}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
  passed=$(echo "$line" | awk '{print $1}'); failed=$(echo "$line" | awk '{print $3}')
  [ -n "$line" ] || { passed=0; failed=1; }
  printf '{"project":"%s","passed":%s,"failed":%s,"skipped":0}\n' "$1" "$passed" "$failed" > ".test-results/$file.json"
}
# the images, built without a container engine and imported into the kubelet's containerd, then
# the chart: lint/render/dry-run/upgrade tests, and end to end through the chart-deployed apps
bash tools/images/test/images.test.sh 2>&1 | tee .test-results/images.log
record tools/images .test-results/images.log
bash tools/chart-test/test.sh 2>&1 | tee .test-results/chart.log
record tools/chart-test/chart .test-results/chart.log
bash tools/chart-test/e2e.sh 2>&1 | tee .test-results/chart-e2e.log
record tools/chart-test/e2e .test-results/chart-e2e.log
bash tools/chart-test/e2e.sh --set daemon.privileged=false 2>&1 | tee .test-results/chart-e2e-caps.log
record tools/chart-test/e2e-capabilities-only .test-results/chart-e2e-caps.log

bash tools/runtime/test/teardown.test.sh 2>&1 | tee .test-results/runtime-teardown.log
record tools/runtime/teardown .test-results/runtime-teardown.log
bash tools/local-cluster/test/acceptance.sh 2>&1 | tee .test-results/acceptance.log
record tools/local-cluster/acceptance .test-results/acceptance.log
# the 3-node cluster (the one-node cluster is down after acceptance.sh): the chart end to end on it
# (up --nodes 3, the images imported into every node, ~2 min), then the cluster's own test, which
# reuses it and ends with `down` (~40 s)
bash tools/chart-test/e2e-multinode.sh --nodes 3 2>&1 | tee .test-results/chart-e2e-multinode.log
record tools/chart-test/e2e-multinode .test-results/chart-e2e-multinode.log
bash tools/local-cluster/test/multinode.sh --nodes 3 2>&1 | tee .test-results/multinode.log
record tools/local-cluster/multinode .test-results/multinode.log
node --test --test-reporter=spec tools/local-cluster/test/handle.test.mjs 2>&1 | tee .test-results/handle.log
passed=$(grep -E '^ℹ pass [0-9]+' .test-results/handle.log | awk '{print $3}')
failed=$(grep -E '^ℹ fail [0-9]+' .test-results/handle.log | awk '{print $3}')
printf '{"project":"tools/local-cluster/handle","passed":%s,"failed":%s,"skipped":0}\n' "${passed:-0}" "${failed:-1}" \
  > .test-results/tools_local-cluster_handle.json

node tools/ci/summarize-tests.mjs "$((projects + 11))"
summary_status=$?
[ "$nx_status" = 0 ] && [ "$summary_status" = 0 ]
