#!/bin/bash
# `npm run bench:soak [-- cycles limit]` — 100 create/delete cycles of a 20-target HelloWorldChaos,
# the manager a process in a memory cgroup limited as the chart limits its pod (private api-only
# cluster); RSS and heap every 10 cycles. Needs root.
# `npm run bench:soak -- --chart [cycles] [helm flags …]` — the same cycles with the manager in the
# chart's pod on the local full cluster (FAULTLINE_CLUSTER_DIR, default .cluster): builds the images
# (tools/images/build.sh), imports them into the kubelet's containerd, installs charts/faultline.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --chart ]; then
  shift
  bash tools/images/build.sh manager daemon >&2
  # the two it built (import.sh's default also takes the dashboard's, which this does not need)
  bash tools/images/import.sh "${FAULTLINE_IMAGES_OUT:-.images}/faultline-manager.oci.tar" "${FAULTLINE_IMAGES_OUT:-.images}/faultline-daemon.oci.tar" >&2
  exec node tools/bench/manager-soak-chart.mjs "$@"
fi
npx nx run-many -t build -p @faultline/manager @faultline/daemon @faultline/test-ground --outputStyle=static >/dev/null
node tools/bench/manager-soak.mjs "$@"
