#!/bin/bash
# `npm run bench:selection` — selection latency over 5,000 pods through the manager's pod cache and
# through the API server, and the manager's RSS while it watches them (tools/bench/selection-scale.mjs).
# Api-only cluster: the pods are bound to nodes no kubelet runs, which a full cluster's controllers
# would evict.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/local-cluster/local-cluster up --api-only >/dev/null
npx nx run-many -t build -p @faultline/manager @faultline/selector @faultline/controller @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/selection-scale.mjs "$@"
