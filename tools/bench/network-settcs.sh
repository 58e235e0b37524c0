#!/bin/bash
# `npm run bench:network-settcs` — SetTcs (with the FlushIPSets that fills its target ipset) for 1, 10
# and 100 target CIDRs through the built daemon, against the bare tc/ipset/iptables commands it runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
npx nx run-many -t build -p @faultline/daemon @faultline/test-ground @faultline/chaos --outputStyle=static >/dev/null
node tools/bench/network-settcs.mjs "$@"
