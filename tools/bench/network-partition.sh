#!/bin/bash
# `npm run bench:network-partition` — NetworkChaos partition over 50 pods of the local cluster's real
# kubelet: create → AllInjected and delete → recovered, at --parallelism 1 and at the default.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/local-cluster/local-cluster up >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/network-partition.mjs "$@"
