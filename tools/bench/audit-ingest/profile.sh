#!/usr/bin/env bash
# Builds and runs profile.ts (per-step cost of one ingest batch). Arguments: --batch N --rounds R.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
npx nx run-many -t build --projects=tag:type:lib --outputStyle=static >/dev/null
npx tsc -p tools/bench/audit-ingest/tsconfig.json
node .var/bench/audit-ingest/build/tools/bench/audit-ingest/profile.js "$@"
