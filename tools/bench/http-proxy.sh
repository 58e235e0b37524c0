#!/bin/bash
# `npm run bench:http` — requests direct to a server vs through HTTPChaos's proxy (no rule matching), on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx nx run-many -t build -p @faultline/chaos @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/http-proxy.mjs "$@"
