#!/bin/bash
# `npm run bench:time-skew` — TimeChaos's native helper: clock cost before/during/after, set/restore time for one container of 1/10/100 threads (one process) and of 1/10/100 processes (one helper run with every pid, as the daemon does) (root: ptrace).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C libs/chaos/time/native >/dev/null
node tools/bench/time-skew.mjs "$@"
