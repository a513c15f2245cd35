#!/usr/bin/env bash
# Audit verification at any size. From the repository root:
#
#   bench/verify.sh
#
# builds the service and the generator in Release, writes a trail of ENTRIES audit entries per provider with the
# generator's `audit` command (the service's own chained append, in big transactions), starts the service on it and
# measures through the API:
#   1. the first checkpoint verification, call after call (each bounded by Audit:VerifySeconds) until `complete`;
#   2. NEW more entries appended (the generator again, the service running), then one checkpoint verification: only
#      the new entries are checked;
#   3. the full re-verification, following `nextCursor` until `complete`.
# Each line gives the calls, the wall time, the entries checked and the rate. Run it under `nice -n 10` on a shared
# machine; the load average is printed with the results.
#
# Settings (environment): PROVIDERS="sqlite postgres", ENTRIES=10000000, NEW=100000, VERIFY_SECONDS=5.
# SQLITE_DB=/path/to/trail.db reuses a SQLite trail made before (by the generator) instead of writing one.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
ENTRIES=${ENTRIES:-10000000}
NEW=${NEW:-100000}
VERIFY_SECONDS=${VERIFY_SECONDS:-5}
source "$ROOT/bench/lib.sh"
bench_init registry-verify-bench

log "building in Release into $WORK/artifacts"
build_release "$WORK/artifacts" "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj"
SERVICE_DIR="$WORK/artifacts/bin/StandardsRegistry.Api/release"
use_generator "$WORK/artifacts"
ADMIN_TOKEN=$(token --subject admin-bench@nato --community NATO --clearance CTS --role admin)

start_service() { # provider connection -> SERVICE_PID, PORT
  PORT=$(free_port)
  (run_service "$SERVICE_DIR" \
    Urls="http://127.0.0.1:$PORT" Database__Provider="$1" ConnectionStrings__Registry="$2" Database__Seed=false Audit__VerifySeconds="$VERIFY_SECONDS") >>"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  PIDS+=("$SERVICE_PID")
  wait_ready "http://127.0.0.1:$PORT/health/ready" 300 "$SERVICE_PID" || { tail -20 "$WORK/service.log" >&2; exit 1; }
}

verify_until_done() { # label query -> one RESULT line: calls, seconds, entries checked, rate, the last answer's validity
  local label=$1 query=$2 cursor="" calls=0 checked=0 answer start end
  start=$(date +%s.%N)
  while :; do
    answer=$(curl -sf --max-time 60 -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$PORT/v1/audit/verify?$query${cursor:+&cursor=$cursor}")
    calls=$((calls + 1))
    checked=$((checked + $(jq -r .checked <<<"$answer")))
    cursor=$(jq -r '.nextCursor // empty' <<<"$answer")
    if [ "$(jq -r .complete <<<"$answer")" = true ] || [ "$(jq -r .valid <<<"$answer")" != true ]; then break; fi
    # A checkpoint verification goes on from its own checkpoint; a full one from the cursor.
    if [ -n "$query" ] && [ -z "$cursor" ]; then break; fi
  done
  end=$(date +%s.%N)
  awk -v l="$label" -v c="$calls" -v n="$checked" -v s="$start" -v e="$end" -v v="$(jq -c '{valid, from, through, headSequence}' <<<"$answer")" \
    'BEGIN { printf "RESULT %s calls=%d seconds=%.1f checked=%d entries_per_s=%.0f last=%s\n", l, c, e - s, n, n / (e - s), v }'
}

for provider in $PROVIDERS; do
  case $provider in
    sqlite)
      if [ -n "${SQLITE_DB:-}" ]; then
        connection="Data Source=$SQLITE_DB"
      else
        connection="Data Source=$WORK/trail.db"
        log "sqlite: writing $ENTRIES entries"
        "${GENERATOR[@]}" audit --entries "$ENTRIES" --provider sqlite --connection "$connection" | tail -1
      fi ;;
    postgres)
      if [ -z "$PG_DATA" ] && ! start_postgres; then log "no PostgreSQL: skipped"; continue; fi
      psql_admin "CREATE DATABASE registry"
      connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry"
      log "postgres: writing $ENTRIES entries"
      "${GENERATOR[@]}" audit --entries "$ENTRIES" --provider postgres --connection "$connection" | tail -1 ;;
    *) log "unknown provider $provider"; continue ;;
  esac
  start_service "$provider" "$connection"
  log "$provider: first checkpoint verification (from the start, call after call)"
  verify_until_done "$provider first-checkpoint-verification" ""
  log "$provider: $NEW more entries, then one checkpoint verification"
  "${GENERATOR[@]}" audit --entries "$NEW" --provider "$provider" --connection "$connection" | tail -1
  verify_until_done "$provider incremental-verification" ""
  log "$provider: full re-verification, following the cursor"
  verify_until_done "$provider full-verification" "full=true"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  forget "$SERVICE_PID"
done
