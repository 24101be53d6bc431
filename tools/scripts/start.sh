#!/usr/bin/env bash
# Starts the whole platform on this machine: toolchain, packages, Kafka broker, migrations, demo
# data, the sample upstream APIs and the four apps. Ctrl-C stops all of it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/tools/scripts/bootstrap.sh"
cd "$ROOT"

export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/portcullis}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export IDENTITY_PORT="${IDENTITY_PORT:-3001}" AUDIT_PORT="${AUDIT_PORT:-3002}"
export GATEWAY_PORT="${GATEWAY_PORT:-8080}" PORTAL_PORT="${PORTAL_PORT:-3000}"
export IDENTITY_URL="${IDENTITY_URL:-http://127.0.0.1:$IDENTITY_PORT}"
export AUDIT_URL="${AUDIT_URL:-http://127.0.0.1:$AUDIT_PORT}"
if [ "${GATEWAY_PLAIN_HTTP:-false}" = true ]; then GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"; else GATEWAY_URL="https://127.0.0.1:$GATEWAY_PORT"; fi
export SPOOL_DIR="${SPOOL_DIR:-$VAR_DIR/spool}"
# Everything runs on this machine: identity and audit believe the portal (on loopback) when it
# names the visitor's address, so sign-ins and the audit trail show the browser's address, and
# failed sign-ins count per visitor. Set TRUSTED_PROXIES= (empty) to believe nobody.
export TRUSTED_PROXIES="${TRUSTED_PROXIES-127.0.0.1,::1}"
# Visitors browse the catalog without signing in through the portal's service token: the
# `portal=` entry of identity's IDENTITY_SERVICE_TOKENS (identity's development default when unset).
if [ -z "${PORTAL_SERVICE_TOKEN:-}" ]; then
  PORTAL_SERVICE_TOKEN="$(printf '%s' "${IDENTITY_SERVICE_TOKENS:-portal=pcl_svc_dev_portal_token_change_me_0000000000}" |
    tr ',' '\n' | sed -n 's/^portal=//p' | head -n 1)"
  export PORTAL_SERVICE_TOKEN
fi

pids=()
broker_started=no
stopping=no
stop_all() {
  [ "$stopping" = yes ] && return
  stopping=yes
  echo
  printf '%s▶ stopping%s\n' "$BOLD" "$RESET"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$broker_started" = yes ]; then bash infra/kafka/kafka.sh stop >/dev/null 2>&1 || true; fi
  echo "  stopped"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

step "check services (PostgreSQL, Redis, Java)" "$LOG_DIR/start-services.log" bash tools/scripts/ensure-services.sh
# Next.js builds production bundles only with NODE_ENV unset (or production).
step "build every project (nx)" "$LOG_DIR/start-build.log" env -u NODE_ENV npx nx run-many -t build --outputStyle=static
if ! bash infra/kafka/kafka.sh status >/dev/null 2>&1; then broker_started=yes; fi
step "start Kafka broker (KRaft, 127.0.0.1:9092)" "$LOG_DIR/start-kafka.log" bash infra/kafka/kafka.sh start
step "create Kafka topics" "$LOG_DIR/start-topics.log" node tools/scripts/create-topics.ts
step "migrate database" "$LOG_DIR/start-migrate.log" node tools/db/migrate.ts deploy
step "seed demo data" "$LOG_DIR/start-seed.log" node tools/demo/seed-demo.ts

launch() {
  local name="$1"; shift
  "$@" >"$LOG_DIR/$name.log" 2>&1 &
  pids+=("$!")
}
wait_ready() {
  local name="$1" url="$2" deadline=$((SECONDS + 90))
  until curl -kfsS -o /dev/null "$url" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$name did not become ready at $url; last lines of $LOG_DIR/$name.log:"; tail -n 30 "$LOG_DIR/$name.log"; return 1
    fi
    sleep 0.5
  done
}
start_apps() {
  launch upstreams node tools/demo/sample-upstreams.ts
  launch identity node apps/identity/dist/main.js
  launch audit node apps/audit/dist/main.js
  wait_ready identity "$IDENTITY_URL/readyz"
  # V8 flags the gateway runs with (apps/gateway/README.md, "Node flags"); V8 options cannot go
  # into NODE_OPTIONS, so they live in one file that everything starting the gateway reads.
  local gateway_flags
  read -ra gateway_flags <"$ROOT/apps/gateway/node-flags.txt"
  launch gateway node "${gateway_flags[@]}" apps/gateway/dist/main.js
  # The portal's own server (Next.js inside it; it records each visitor's address), not through
  # npm or npx: they would leave the server running when it is stopped.
  (cd apps/portal && PORTAL_PORT="$PORTAL_PORT" HOST=127.0.0.1 exec node server.ts) >"$LOG_DIR/portal.log" 2>&1 &
  pids+=("$!")
  wait_ready audit "$AUDIT_URL/readyz"
  wait_ready gateway "$GATEWAY_URL/readyz"
  wait_ready portal "http://127.0.0.1:$PORTAL_PORT/readyz"
}
step "start apps and wait until ready" "$LOG_DIR/start-apps.log" start_apps

cat <<INFO

${BOLD}Portcullis is running.${RESET}
  portal    http://127.0.0.1:$PORTAL_PORT
  identity  $IDENTITY_URL        (OpenAPI: $IDENTITY_URL/docs)
  audit     $AUDIT_URL        (OpenAPI: $AUDIT_URL/docs)
  gateway   $GATEWAY_URL   (self-signed certificate: curl -k)
  logs      ${LOG_DIR#"$ROOT"/}/<app>.log, Kafka: .var/kafka/logs/

$(cat "$VAR_DIR/demo-logins.txt" 2>/dev/null || true)

Press Ctrl-C to stop everything.
INFO
wait -n "${pids[@]}" || true
echo "a process exited; see $LOG_DIR for its log"
