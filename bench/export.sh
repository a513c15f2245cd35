#!/usr/bin/env bash
# What one export costs on PostgreSQL. From the repository root:
#
#   bench/export.sh
#
# builds the service and the catalogue generator in Release, starts a throwaway PostgreSQL cluster with connection
# logging on, and for each tree (this one; REGISTRY_VARIANT=/path/to/another/checkout adds that tree, the two taking
# turns round by round, so both see the same machine) starts the service on a fresh database holding the sample
# catalogue (Database:Seed) and reads GET /v1/export as an EU consumer EXPORTS times in a row, one at a time, after
# WARMUP unmeasured ones. Prints per tree and round: the median and p90 time of an export, the CPU the whole machine
# spent per export (the service, PostgreSQL and curl: nothing else runs), and how many connections PostgreSQL accepted
# per export (from its log: each is a process it forks; a pooled connection is opened once, a statement's cancellation
# opens one of its own every time).
#
# Settings (environment): ROUNDS=3, EXPORTS=200, WARMUP=20.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
EXPORTS=${EXPORTS:-200}
WARMUP=${WARMUP:-20}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-export-bench
# No metrics listener: it is not part of what is measured.
METRICS_URL=""

build_trees "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj"
use_generator "$WORK/artifacts"
EU_TOKEN=$(token --subject eu-bench@eu --community EU --clearance NS --role consumer)

start_postgres || { echo "PostgreSQL server binaries are not installed (apt-get install postgresql)" >&2; exit 1; }
psql_admin "ALTER SYSTEM SET log_connections = on"
psql_admin "SELECT pg_reload_conf()" >/dev/null
PG_LOG="$WORK/pg/postgres.log"
connections() { grep -c "connection received" "$PG_LOG" || true; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

measure() { # tree round -> one EXPORT line
  local tree=$1 round=$2 db="export_${1}_$2" port pid url times before_cpu after_cpu before_conn after_conn bytes
  psql_admin "CREATE DATABASE $db"
  port=$(free_port)
  (run_service "${DIRS[$tree]}" Urls="http://127.0.0.1:$port" Database__Provider=postgres Database__Seed=true \
    ConnectionStrings__Registry="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$db") >>"$WORK/service.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_ready "http://127.0.0.1:$port/health/ready" 120 "$pid" || { tail -20 "$WORK/service.log" >&2; exit 1; }
  url="http://127.0.0.1:$port/v1/export"
  bytes=$(curl -sf -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $EU_TOKEN" "$url")
  for _ in $(seq "$WARMUP"); do curl -sf -o /dev/null -H "Authorization: Bearer $EU_TOKEN" "$url"; done
  before_conn=$(connections)
  before_cpu=$(busy_ticks)
  times=$(for _ in $(seq "$EXPORTS"); do curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $EU_TOKEN" "$url"; done | sort -n)
  after_cpu=$(busy_ticks)
  sleep 0.5 # the last cancellation's line reaches the log
  after_conn=$(connections)
  forget "$pid"
  echo "EXPORT tree=$tree round=$round exports=$EXPORTS bytes=$bytes" \
    "median_ms=$(awk -v s="$(median "$times")" 'BEGIN { printf "%.2f", s * 1000 }')" \
    "p90_ms=$(awk -v n="$EXPORTS" 'NR == int(n * 0.9) { printf "%.2f", $1 * 1000 }' <<<"$times")" \
    "cpu_ms_per_export=$(awk -v t=$((after_cpu - before_cpu)) -v hz="$(getconf CLK_TCK)" -v n="$EXPORTS" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')" \
    "connections_per_export=$(awk -v c=$((after_conn - before_conn)) -v n="$EXPORTS" 'BEGIN { printf "%.2f", c / n }')"
}

log "PostgreSQL: $PG_VERSION"
for round in $(seq "$ROUNDS"); do
  for tree in $(trees_in_turn "$round"); do
    measure "$tree" "$round"
  done
done
