#!/bin/bash
# `npm run demo` — HelloWorldChaos, a PodChaos pod-kill, a NetworkChaos partition, a DNSChaos, an HTTPChaos, a TimeChaos, an IOChaos, a Workflow (StressChaos → Suspend →
# NetworkChaos) and a Schedule, end to end on a real local Kubernetes cluster:
# brings up the private runtime and the local cluster (tools/local-cluster; the first run builds
# Kubernetes from its Go modules, ~15 minutes on 2 cores, cached afterwards), builds the manager and
# the daemon, deploys busybox, applies the seed's HelloWorldChaos and shows the manager's and the
# daemon's logs (each container's own process list), then kills a pod with PodChaos and shows its
# ReplicaSet replacing it, then partitions one pod from another with NetworkChaos (a wget that
# answers, stops answering, answers again after the partition is deleted), then makes one name fail
# with DNSChaos (SERVFAIL while another name resolves, resolving again once deleted) and replaces a
# web page with HTTPChaos (the client sees the replaced page, then web's own again), and puts web's
# clock two hours back with TimeChaos (the Date of its answers), then right again, and slows the writes
# to a pod's volume with IOChaos, then lets them run fast again. Cleans up what it deployed
# (the chaos objects while the manager runs, then the namespace and everything in it), so the next run
# starts from nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || { echo "[demo] installing the npm dependencies (npm ci)"; npm ci --no-audit --no-fund; }
echo "[demo] bringing the local cluster up (reused when it runs; the first time it builds Kubernetes: about 15 minutes on 2 cores, with progress)"
tools/local-cluster/local-cluster up
echo "[demo] building the manager, the daemon and their libraries (one line per package as it is built)"
# Nx's own lines say what it builds as it builds it; the rest of its output only on failure
build_log=$(mktemp)
if ! npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static 2>&1 \
  | tee "$build_log" | sed -un 's/^> nx run \([^ :]*\):build.*/[demo]   built \1/p'; then
  cat "$build_log"; rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
node tools/demo/helloworld-demo.mjs
