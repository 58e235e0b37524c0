#!/bin/bash
# Fails when the TypeScript generated from proto/ is not what `npx buf generate` makes now.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx buf generate
if ! git diff --quiet -- libs/api/src/gen || [ -n "$(git ls-files --others --exclude-standard libs/api/src/gen)" ]; then
  git status --short -- libs/api/src/gen
  echo "generated code is stale: run 'npx buf generate' and commit libs/api/src/gen" >&2
  exit 1
fi
echo "generated code is up to date"
