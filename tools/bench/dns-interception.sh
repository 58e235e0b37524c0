#!/bin/bash
# `npm run bench:dns` — name lookups direct to an upstream vs through DNSChaos's interceptor (no rule matching), on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx nx run @faultline/chaos:build --outputStyle=static >/dev/null
node tools/bench/dns-interception.mjs "$@"
