#!/bin/bash
# `npm run bench:helloworld` — ExecHelloWorldChaos end to end versus a bare nsenter, same container.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/runtime/setup.sh >/dev/null
npx nx run @faultline/daemon:build --outputStyle=static >/dev/null
npx nx run @faultline/daemon-client:build --outputStyle=static >/dev/null
node tools/bench/exec-helloworld.mjs "$@"
