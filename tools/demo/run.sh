#!/bin/bash
# `npm run demo` — the HelloWorldChaos daemon flow on this machine's own container runtime:
# starts the private containerd (tools/runtime/setup.sh), builds the daemon, starts two busybox
# containers and the daemon, calls ExecHelloWorldChaos for each container over gRPC, and shows the
# daemon's log: each container's own process list. Cleans up the containers and the daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash tools/runtime/setup.sh
echo "[demo] building the daemon and its libraries"
npx nx run @faultline/daemon:build --outputStyle=static >/dev/null
node tools/demo/daemon-demo.mjs
