#!/bin/bash
# `npm run bench:records-scale -- [targets…]` — the records pipeline over 100 and 1,000 (or the
# given numbers of) simulated pods: create → AllInjected and delete → gone, serial bound against
# the default, API calls per record, the largest status written.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/daemon-server @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/records-scale.mjs "$@"
