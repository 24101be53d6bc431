#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, broker + controller in one JVM) from Maven Central
# jars, without Docker.
#
#   kafka.sh fetch       copy the broker's jars into .tools/kafka/libs (once; Maven caches in ~/.m2)
#   kafka.sh start       fetch if needed, format storage once, start in the background, then wait
#   kafka.sh wait        block until the broker answers DescribeCluster (timeout: exit 1 + log tail)
#   kafka.sh stop        SIGTERM, wait up to 30 s, then SIGKILL
#   kafka.sh status      print whether it runs (exit 0) or not (exit 3)
#   kafka.sh logs-path   print the folder holding server.log
#
# Environment:
#   PORTCULLIS_KAFKA_PORT             client listener port     (default 9092)
#   PORTCULLIS_KAFKA_CONTROLLER_PORT  KRaft controller port    (default 9093)
#   PORTCULLIS_KAFKA_DIR              instance state folder    (default <repo>/.var/kafka):
#                                     server.properties, data/, logs/, kafka.pid
#   PORTCULLIS_KAFKA_WAIT_SECONDS     readiness timeout        (default 90)
#   PORTCULLIS_KAFKA_HEAP_OPTS        JVM heap flags           (default -Xmx512m -Xms256m)
#   JAVA_HOME                         Java 17+ (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

PORT="${PORTCULLIS_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${PORTCULLIS_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DIR="${PORTCULLIS_KAFKA_DIR:-$REPO_ROOT/.var/kafka}"
WAIT_SECONDS="${PORTCULLIS_KAFKA_WAIT_SECONDS:-90}"
HEAP_OPTS="${PORTCULLIS_KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"

LIBS_DIR="$REPO_ROOT/.tools/kafka/libs"
POM="$SCRIPT_DIR/pom.xml"
DATA_DIR="$KAFKA_DIR/data"
LOGS_DIR="$KAFKA_DIR/logs"
PID_FILE="$KAFKA_DIR/kafka.pid"
PROPS="$KAFKA_DIR/server.properties"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "kafka.sh[$PORT]: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# Node 24 from the repo's .tools if present (it runs describe-cluster.ts directly).
node_bin() {
  if [[ -x "$REPO_ROOT/.tools/node/node_modules/.bin/node" ]]; then
    echo "$REPO_ROOT/.tools/node/node_modules/.bin/node"
  else
    command -v node || true
  fi
}

# Stamp = hash of pom.xml, so editing the Kafka version there refetches.
pom_stamp() { sha256sum "$POM" | cut -d' ' -f1; }

cmd_fetch() {
  mkdir -p "$(dirname "$LIBS_DIR")"
  # Several brokers (dev, test, per-test) may start at once: one fetch at a time.
  exec 8>"$(dirname "$LIBS_DIR")/fetch.lock"
  flock 8
  if [[ -f "$LIBS_DIR/.stamp" && "$(cat "$LIBS_DIR/.stamp")" == "$(pom_stamp)" ]]; then
    flock -u 8
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install -y maven)"
  local tmp="$LIBS_DIR.tmp.$$"
  rm -rf "$tmp"
  log "fetching Kafka jars from Maven Central into $LIBS_DIR"
  # Maven's console library prints colour resets even with -q -B; strip them.
  mvn -q -B -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "fetch produced no kafka_2.13 jar in $tmp"
  pom_stamp >"$tmp/.stamp"
  # Swap in whole, so a half-copied folder is never taken for a complete one.
  rm -rf "$LIBS_DIR.old"
  [[ -d "$LIBS_DIR" ]] && mv "$LIBS_DIR" "$LIBS_DIR.old"
  mv "$tmp" "$LIBS_DIR"
  rm -rf "$LIBS_DIR.old"
  flock -u 8
}

# The pid in kafka.pid, if that process is alive and is this instance's broker (pids get reused).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *kafka.Kafka*"$PROPS"* ]] || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

render_properties() {
  sed -e "s|@PORT@|$PORT|g" \
    -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
    -e "s|@DATA_DIR@|$DATA_DIR|g" \
    "$SCRIPT_DIR/server.properties.template" >"$PROPS.tmp"
  mv "$PROPS.tmp" "$PROPS"
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$("$JAVA" -cp "$LIBS_DIR/*" -Dlog4j.configuration="file:$SCRIPT_DIR/log4j.properties" \
    -Dkafka.logs.dir="$LOGS_DIR" kafka.tools.StorageTool random-uuid)"
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  "$JAVA" -cp "$LIBS_DIR/*" -Dlog4j.configuration="file:$SCRIPT_DIR/log4j.properties" \
    -Dkafka.logs.dir="$LOGS_DIR" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >&2
}

cmd_start() {
  mkdir -p "$KAFKA_DIR" "$DATA_DIR" "$LOGS_DIR"
  # Concurrent `start` calls for the same instance must not launch two JVMs.
  exec 9>"$KAFKA_DIR/start.lock"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    flock -u 9
    cmd_wait
    return
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p is already in use by another process; choose other ports"
  done
  cmd_fetch
  render_properties
  format_storage

  # setsid: the broker outlives the shell and terminal that started it (no SIGINT from Ctrl-C).
  # 8>&- 9>&-: the broker must not inherit (and so hold) the lock files.
  # shellcheck disable=SC2086  # HEAP_OPTS holds several flags
  setsid "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$SCRIPT_DIR/log4j.properties" \
    -Dkafka.logs.dir="$LOGS_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$LOGS_DIR/kafka.out" 2>&1 8>&- 9>&- &
  echo $! >"$PID_FILE"
  log "started pid $! on 127.0.0.1:$PORT (controller $CONTROLLER_PORT); logs in $LOGS_DIR"
  flock -u 9
  cmd_wait
}

print_log_tail() {
  log "last lines of $LOGS_DIR/server.log:"
  tail -n 40 "$LOGS_DIR/server.log" >&2 2>/dev/null || true
  if [[ -s "$LOGS_DIR/kafka.out" ]]; then
    log "last lines of $LOGS_DIR/kafka.out:"
    tail -n 20 "$LOGS_DIR/kafka.out" >&2
  fi
}

cmd_wait() {
  local node probe deadline=$((SECONDS + WAIT_SECONDS))
  node="$(node_bin)"
  probe="$SCRIPT_DIR/describe-cluster.ts"
  while ((SECONDS < deadline)); do
    if [[ -f "$PID_FILE" ]] && ! running_pid >/dev/null; then
      rm -f "$PID_FILE"
      print_log_tail
      die "broker process exited; see $LOGS_DIR"
    fi
    if port_open "$PORT"; then
      if [[ -z "$node" ]]; then
        log "node not found: port $PORT is open, not checking DescribeCluster"
        return 0
      fi
      if "$node" "$probe" "127.0.0.1:$PORT" 2>/dev/null; then
        log "ready on 127.0.0.1:$PORT; logs in $LOGS_DIR"
        return 0
      fi
    fi
    sleep 0.5
  done
  print_log_tail
  die "not ready after ${WAIT_SECONDS}s"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after 30 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped; logs in $LOGS_DIR"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running: pid $pid, 127.0.0.1:$PORT (controller $CONTROLLER_PORT), dir $KAFKA_DIR"
    return 0
  fi
  echo "stopped: 127.0.0.1:$PORT, dir $KAFKA_DIR"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  wait) cmd_wait ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs-path) echo "$LOGS_DIR" ;;
  *)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
