#!/bin/bash
# tools/ci/test-unit.sh — `npm run test:unit`: the unit tier, every test that needs nothing started.
# Runs the "test" target of every nx project with FAULTLINE_TEST_TIER=unit, so jest.preset.js skips
# `*.integration.spec.ts` (they need the local cluster, the private containerd, spawned apps or real
# namespaces; `npm test` runs them) and the test ground refuses to reach a real part. The cluster's
# kubeconfig and the runtime's socket are pointed at nothing, so a unit test that needs them fails
# instead of finding them up. Then checks that no library ships test support
# (tools/ci/check-test-support.mjs), runs the architecture test (tools/ci/check-architecture.test.mjs:
# the README's layers hold), and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
rm -rf .test-results && mkdir -p .test-results
export FAULTLINE_TEST_TIER=unit
export KUBECONFIG=/nonexistent/faultline-unit-tier/kubeconfig
export FAULTLINE_RUNTIME_DIR=/nonexistent/faultline-unit-tier/runtime

projects=$(npx nx show projects --with-target test | wc -l)
npx nx run-many -t test --outputStyle=stream "$@"
nx_status=$?

# the check reads build output: build every project first (cached builds are instant)
npx nx run-many -t build --outputStyle=stream >/dev/null || echo "build failed: the test support check reads stale or missing dist" >&2
node tools/ci/check-test-support.mjs --record
check_status=$?

bash tools/ci/test-architecture.sh
architecture_status=$?

node tools/ci/summarize-tests.mjs "$((projects + 2))"
summary_status=$?
[ "$nx_status" = 0 ] && [ "$check_status" = 0 ] && [ "$architecture_status" = 0 ] && [ "$summary_status" = 0 ]
