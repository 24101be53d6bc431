#!/usr/bin/env bash
# The whole test suite: format, lint, types, build, then unit and integration tests against the
# real PostgreSQL, Kafka and Redis (the test stack is started by tools/test/global-setup.ts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/tools/scripts/bootstrap.sh"
cd "$ROOT"
started=$SECONDS

step "check services (PostgreSQL, Redis)" "$LOG_DIR/test-services.log" bash tools/scripts/ensure-services.sh
step "format (prettier --check)" "$LOG_DIR/test-format.log" npx prettier --check .
step "lint (eslint)" "$LOG_DIR/test-lint.log" npx eslint . --max-warnings=0
step "type check" "$LOG_DIR/test-typecheck.log" bash -c 'npx tsc -p tsconfig.json --noEmit && npx tsc -p apps/portal/tsconfig.json --noEmit'
step "build every project (nx)" "$LOG_DIR/test-build.log" npx nx run-many -t build --outputStyle=static

# The test broker is ours to stop only if this run started it.
TEST_KAFKA_DIR="$VAR_DIR/kafka-test"
broker_was_running=no
if [ -f "$TEST_KAFKA_DIR/kafka.pid" ] && kill -0 "$(cat "$TEST_KAFKA_DIR/kafka.pid")" 2>/dev/null; then broker_was_running=yes; fi
stop_test_broker() {
  if [ "$broker_was_running" = no ] && [ "${KEEP_TEST_BROKER:-}" != 1 ]; then
    PORTCULLIS_KAFKA_DIR="$TEST_KAFKA_DIR" PORTCULLIS_KAFKA_PORT=19092 PORTCULLIS_KAFKA_CONTROLLER_PORT=19093 \
      bash infra/kafka/kafka.sh stop >/dev/null 2>&1 || true
  fi
}
trap stop_test_broker EXIT

step_live "unit and integration tests (vitest)" \
  npx vitest run --reporter=default --reporter=json --outputFile.json="$VAR_DIR/test-results.json"
node tools/scripts/test-summary.ts "$VAR_DIR/test-results.json"
echo "whole suite took $((SECONDS - started))s"
