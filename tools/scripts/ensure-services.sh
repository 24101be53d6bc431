#!/usr/bin/env bash
# PostgreSQL and Redis come from the machine. Start them if they stopped; fail clearly if absent.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL is down; starting the machine's cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
echo "PostgreSQL: up"

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Redis is down; starting it (no persistence)"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  fi
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379"; exit 1; }
echo "Redis: up"

command -v java >/dev/null 2>&1 || { echo "Java 17+ is needed for the Kafka broker (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "Maven is needed to fetch Kafka (apt-get install -y maven)"; exit 1; }
echo "Java and Maven: present"
