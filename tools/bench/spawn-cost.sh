#!/bin/bash
# `npm run bench:spawn-cost` — starting a process with Node's child_process vs faultline-spawn.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx nx run @faultline/daemon-server:build --outputStyle=static >/dev/null
node tools/bench/spawn-cost.mjs "$@"
