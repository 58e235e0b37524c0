#!/bin/bash
# `npm run bench:network-scale -- [pods…]` — NetworkChaos over 1,000 and 5,000 (or the given numbers
# of) simulated pods: two overlapping partitions, create → AllInjected, API calls per record, the
# manager's peak RSS, and a check that neither strips the other's rules.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon-server @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/network-scale.mjs "$@"
