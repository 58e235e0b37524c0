#!/bin/bash
# Copies the generated CRDs (libs/chaos/crds, made by `npm run generate:crds -w @faultline/manager`) into
# the chart's crds/ folder, so the chart never carries a hand-edited copy.
#   sync-crds.sh          copy (and remove chart CRDs that libs/chaos no longer generates)
#   sync-crds.sh --check  change nothing; exit 1 and name the files when the two folders differ
set -euo pipefail
cd "$(dirname "$0")/../.."
source=libs/chaos/crds
target=charts/faultline/crds

if [ "${1:-}" = "--check" ]; then
  if diff -r "$source" "$target" >/dev/null 2>&1; then
    echo "chart CRDs match $source"
    exit 0
  fi
  diff -rq "$source" "$target" >&2 || true
  echo "chart CRDs differ from $source: run tools/chart-test/sync-crds.sh and commit $target" >&2
  exit 1
fi

mkdir -p "$target"
find "$target" -maxdepth 1 -name '*.yaml' -delete
cp "$source"/*.yaml "$target"/
echo "copied $(ls "$source"/*.yaml | wc -l) CRD file(s) from $source to $target"
