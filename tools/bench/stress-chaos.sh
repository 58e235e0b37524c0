#!/bin/bash
# `npm run bench:stress` — StressChaos: one record on the daemon against stress-ng started by hand,
# and create → AllInjected over 50 containers through the built manager and daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/stress-chaos.mjs "$@"
