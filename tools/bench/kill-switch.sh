#!/bin/bash
# `npm run bench:kill-switch -- [targets…]` — the kill switch over 100 and 1,000 (or the given
# numbers of) records: engage killswitch/cluster → every record recovered, at the manager's
# defaults (the kill switch's own client budget) and without that budget. Needs the local cluster
# up (tools/local-cluster); the switch is cluster-wide, so nothing else should run a manager
# against the cluster meanwhile.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/local-cluster/local-cluster status >/dev/null || { echo "the local cluster is not up: tools/local-cluster/local-cluster up" >&2; exit 1; }
npx nx run-many -t build -p @faultline/manager @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/kill-switch.mjs "$@"
