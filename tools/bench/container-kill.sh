#!/bin/bash
# `npm run bench:container-kill` — PodChaos container-kill: one kill against bare ctr, and
# create → AllInjected over 100 containers at --parallelism 1 and at the default.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/container-kill.mjs "$@"
