#!/bin/bash
# `npm run bench:parallelism` — create → AllInjected over 100 containers, --parallelism 1 vs default.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/helloworld-parallelism.mjs "$@"
