#!/bin/bash
# `npm run dashboard:local` — the dashboard on the demo's local cluster, in one command: builds
# @faultline/dashboard (and the libraries it uses), then serves it on 127.0.0.1 with the local
# cluster's admin kubeconfig ($KUBECONFIG when it is set) and prints the URL to open. Run
# `npm run demo` beside it to watch each kind's experiments appear, act and go, live.
# Arguments go to the server (for example --port 0 for a free port).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || { echo "[dashboard] installing the npm dependencies (npm ci)"; npm ci --no-audit --no-fund; }
kubeconfig=${KUBECONFIG:-$PWD/.cluster/admin.kubeconfig}
[ -f "${kubeconfig%%:*}" ] || {
  echo "[dashboard] no kubeconfig at $kubeconfig: start the local cluster first (npm run demo, or npm run cluster:up)" >&2
  exit 1
}
echo "[dashboard] building the dashboard (cached after the first time)"
build_log=$(mktemp)
if ! npx nx run @faultline/dashboard:build --outputStyle=static > "$build_log" 2>&1; then
  cat "$build_log"; rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
echo "[dashboard] serving with $kubeconfig; Ctrl-C stops it"
exec node apps/dashboard/dist/server/main.js --kubeconfig "$kubeconfig" "$@"
