#!/bin/bash
# `npm run bench:soak` — 100 create/delete cycles of a 20-target HelloWorldChaos, the manager in a
# memory cgroup limited as the chart limits its pod; RSS and heap every 10 cycles. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/manager-soak.mjs "$@"
