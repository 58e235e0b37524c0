#!/bin/bash
# tools/ci/test.sh — `npm test`: every project's tests against the real test ground.
# Starts what the tests need (the private containerd runtime; later the local cluster), runs the
# "test" target of every nx project, and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
rm -rf .test-results
projects=$(npx nx show projects --with-target test | wc -l)
npx nx run-many -t test --outputStyle=stream
nx_status=$?
node tools/ci/summarize-tests.mjs "$projects"
summary_status=$?
[ "$nx_status" = 0 ] && [ "$summary_status" = 0 ]
