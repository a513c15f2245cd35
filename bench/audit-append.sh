#!/usr/bin/env bash
# The audit writer's batch append on its own: what each content read waiting for its entry's batch waits for, without
# the HTTP load around it. From the repository root:
#
#   bench/audit-append.sh
#
# builds bench/AuditAppend in Release against this tree's data layer and times AuditLog.AppendBatch (BATCHES batches of
# SIZE entries, after WARMUP) on a fresh database per run: PostgreSQL in a throwaway cluster with the server's defaults
# (fsync and synchronous_commit on), SQLite in a file. REGISTRY_VARIANT=/path/to/another/checkout builds the same
# harness against that tree's data layer and measures it in the same rounds, the two trees taking turns to go first.
#
# Settings (environment): PROVIDERS="postgres sqlite", BATCHES=3000, SIZE=10, WARMUP=300, ROUNDS=2.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROVIDERS=${PROVIDERS:-"postgres sqlite"}
BATCHES=${BATCHES:-3000}
SIZE=${SIZE:-10}
WARMUP=${WARMUP:-300}
ROUNDS=${ROUNDS:-2}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-append-bench

harness() { # tree artifacts-directory : the harness built against that tree's data layer (MSBuild reads RegistryTree from the environment)
  RegistryTree="$1" build_release "$2" "$ROOT/bench/AuditAppend/AuditAppend.csproj"
}

log "building the harness against this tree"
harness "$ROOT" "$WORK/this"
TREES="this"
if [ -n "$VARIANT" ]; then
  log "building the harness against $VARIANT"
  harness "$VARIANT" "$WORK/variant"
  TREES="variant this"
fi

echo "| provider | round | tree | batches × entries | p50 ms | p90 ms | p99 ms | mean ms |"
echo "|---|---:|---|---|---:|---:|---:|---:|"
for provider in $PROVIDERS; do
  if [ "$provider" = postgres ] && [ -z "$PG_DATA" ] && ! start_postgres; then log "no PostgreSQL: skipped"; continue; fi
  for round in $(seq "$ROUNDS"); do
    trees=$TREES
    if [ $((round % 2)) = 0 ] && [ -n "$VARIANT" ]; then trees="this variant"; fi
    for tree in $trees; do
      case $provider in
        postgres) psql_admin "CREATE DATABASE append_${round}_$tree"
                  connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=append_${round}_$tree" ;;
        sqlite) connection="Data Source=$WORK/append-$round-$tree.db" ;;
      esac
      line=$(timeout 600 dotnet "$WORK/$tree/bin/AuditAppend/release/AuditAppend.dll" "$provider" "$connection" "$BATCHES" "$SIZE" "$WARMUP" | grep '^RESULT')
      log "$provider round $round $tree: $line"
      echo "| $provider | $round | $tree | $BATCHES × $SIZE | $(field p50_ms "$line") | $(field p90_ms "$line") | $(field p99_ms "$line") | $(field mean_ms "$line") |"
    done
  done
done
[ -n "$PG_DATA" ] && echo && echo "PostgreSQL $PG_VERSION; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
