#!/usr/bin/env bash
# Builds the libraries and the benchmark, then runs it. Arguments go to run.ts
# (--events N --partitions P --lag-rate R --lag-seconds S).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
npx nx run-many -t build --projects=tag:type:lib --outputStyle=static >/dev/null
npx tsc -p tools/bench/audit-ingest/tsconfig.json
node .var/bench/audit-ingest/build/tools/bench/audit-ingest/run.js "$@"
