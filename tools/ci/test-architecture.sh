#!/bin/bash
# tools/ci/test-architecture.sh — the architecture test (tools/ci/check-architecture.test.mjs): the
# repository follows the README's "Layers", and each rule fails on a workspace that breaks it.
# Writes .test-results/tools_ci_architecture.json for summarize-tests.mjs; exits 1 when a test failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .test-results
log=.test-results/architecture.log
node --test --test-reporter=spec tools/ci/check-architecture.test.mjs 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{print $3}')
failed=$(grep -E '^ℹ fail [0-9]+' "$log" | awk '{print $3}')
[ "$status" = 0 ] || [ "${failed:-0}" != 0 ] || failed=1
printf '{"project":"tools/ci/architecture","passed":%s,"failed":%s,"skipped":0}\n' "${passed:-0}" "${failed:-1}" > .test-results/tools_ci_architecture.json
exit "$status"
