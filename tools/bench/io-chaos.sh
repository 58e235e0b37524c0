#!/bin/bash
# `npm run bench:io` — IOChaos on one real container through the built daemon: ExecIOChaos/RecoverIOChaos
# times (median, p90), and sequential write/read throughput on the volume directly against through faultline-iofs with no
# fault active (root; the private containerd).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
npx nx run @faultline/daemon:build --outputStyle=static >/dev/null
node tools/bench/io-chaos.mjs "$@"
