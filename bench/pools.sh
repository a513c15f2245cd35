#!/usr/bin/env bash
# PostgreSQL tail latency with the request pool sized for the database, beside a running export.
# From the repository root:
#
#   bench/pools.sh
#
# builds the service and the generator in Release, loads one generated catalogue into a throwaway PostgreSQL cluster,
# and for each pool setting in POOLS (Database:MaxPoolSize; "default" leaves the service's default, 100 is what the
# driver's own default was before the setting) starts the
# service on its own copy and measures with wrk (-c CONNECTIONS) as the EU consumer:
#   latest          GET /v1/standards/{key}/versions/latest over random keys,
#   list            a page of GET /v1/standards?category=… (first pages and pages further on),
#   latest+export   the same as latest while EXPORTS clients stream GET /v1/export over and over, each read at
#   list+export     EXPORT_RATE (paced by pace() below), so exports hold stream connections throughout the run.
# Each line: requests/s, p50 and p99 latency, non-2xx answers, and how many exports completed meanwhile (an export of
# 10^4 versions is about 4.7 MB, so at 200 kB/s it takes about 24 s, longer than a measured run of 15 s: the count is
# usually 0, the exports running throughout; a failed one would be counted apart and its error kept), and the longest
# stall of a 0.1 s clock ticking beside wrk: about 0.1 s, unless the machine itself stood still (this VM once stopped
# for 15 s, which made p99s of 0.8 s in every tree), and then the row is flagged.
# REGISTRY_VARIANT=/path/to/another/checkout also measures that tree's service (with its own defaults) the same way.
#
# Settings (environment): SIZE=10000, DURATION=15, WARMUP=30 (seconds of latest and list on a fresh service, so the JIT
# has compiled the hot paths to their optimised tier), CONNECTIONS=32, THREADS=2, POOLS="default 100",
# EXPORTS=2, EXPORT_RATE=200k.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${SIZE:-10000}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-30}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
POOLS=${POOLS:-"default 100"}
EXPORTS=${EXPORTS:-2}
EXPORT_RATE=${EXPORT_RATE:-200k}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-pools-bench

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

build_trees "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj"
use_generator "$WORK/artifacts"
EU_TOKEN=$(token --subject eu-bench@eu --community EU --clearance NS --role consumer)

start_postgres || { echo "PostgreSQL server binaries are missing: apt-get install postgresql" >&2; exit 1; }
psql_admin "CREATE DATABASE registry"
log "generating and loading $SIZE versions"
timeout 3600 "${GENERATOR[@]}" generate --versions "$SIZE" --provider postgres \
  --connection "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry" --out "$WORK/data" | grep '^LOADED' >&2

start_service() { # dir connection pool-setting -> SERVICE_PID, PORT
  local pool=()
  [ "$3" = default ] || pool=(Database__MaxPoolSize="$3")
  PORT=$(free_port)
  (run_service "$1" "${pool[@]}" \
    Urls="http://127.0.0.1:$PORT" Database__Provider=postgres ConnectionStrings__Registry="$2" Database__Seed=false) >>"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  PIDS+=("$SERVICE_PID")
  wait_ready "http://127.0.0.1:$PORT/health/ready" 300 "$SERVICE_PID" || { tail -20 "$WORK/service.log" >&2; exit 1; }
}

wrk_line() { # paths seconds -> RESULT line
  timeout $(($2 + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --timeout 5s -s "$ROOT/bench/paths.lua" "http://127.0.0.1:$PORT" -- "$1" "$EU_TOKEN" | grep '^RESULT'
}

# Copies stdin to stdout at $1 bytes a second. curl's own --limit-rate (7.88 here) does not hold: the same export at
# "200k" took anything from 3 to 23 s (4.7 MB), so the +export rows measured exports at up to 1.4 MB/s, a load that
# changed from run to run. A reader that reads no faster than this holds the export's stream as a slow client would.
pace() {
  perl -MTime::HiRes=time,sleep -e '
    my $rate = shift; my ($t0, $n) = (time, 0); binmode STDIN; binmode STDOUT; $| = 1;
    while (my $got = sysread(STDIN, my $buffer, 16384)) {
      print $buffer; $n += $got;
      my $ahead = $n / $rate - (time - $t0); sleep $ahead if $ahead > 0;
    }' "$1"
}

exporters() { # count -> EXPORT_PIDS; each loops over slow exports, counting the complete ones (an end line) in $WORK/exports
  EXPORT_PIDS=()
  : >"$WORK/exports"; rm -f "$WORK/stop"
  local rate; rate=$(numfmt --from=iec "${EXPORT_RATE^^}")
  for _ in $(seq "$1"); do
    ( while [ ! -e "$WORK/stop" ]; do
        if curl -sS -f -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$PORT/v1/export" 2>>"$WORK/export-errors" | pace "$rate" | tail -1 | grep -q cursor; then
          echo done >>"$WORK/exports"
        elif [ ! -e "$WORK/stop" ]; then
          echo failed >>"$WORK/exports"; sleep 1
        fi
      done ) &
    EXPORT_PIDS+=($!)
  done
}

stop_exporters() { local pid; touch "$WORK/stop"; for pid in "${EXPORT_PIDS[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }

echo "| tree | Database:MaxPoolSize | scenario | req/s | p50 ms | p99 ms | non-2xx | exports completed | exports failed | longest stall s |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
for tree in $TREES; do
  dir=${DIRS[$tree]}
  pools=$([ "$tree" = variant ] && echo default || echo "$POOLS")
  for pool in $pools; do
    copy="registry_${tree}_$pool"
    psql_admin "CREATE DATABASE $copy TEMPLATE registry"
    connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$copy"
    start_service "$dir" "$connection" "$pool"
    cat "$WORK/data/latest-eu.paths" "$WORK/data/list.paths" >"$WORK/warmup.paths"
    wrk_line "$WORK/warmup.paths" "$WARMUP" >/dev/null
    for scenario in latest list latest+export list+export; do
      paths="$WORK/data/$([ "${scenario%+export}" = latest ] && echo latest-eu || echo list).paths"
      exported="—"; failed="—"
      if [[ $scenario == *+export ]]; then exporters "$EXPORTS"; sleep 1; fi
      stall_start
      line=$(wrk_line "$paths" "$DURATION")
      stall_stop
      if [[ $scenario == *+export ]]; then stop_exporters; exported=$(grep -c done "$WORK/exports" || true); failed=$(grep -c failed "$WORK/exports" || true); fi
      log "$tree pool=$pool $scenario: $(field rps "$line") req/s p99 $(field p99_ms "$line") ms, exports completed $exported, longest stall $STALL s$STALL_NOTE"
      echo "| $tree | $pool | $scenario | $(field rps "$line") | $(field p50_ms "$line") | $(field p99_ms "$line") | $(field non2xx "$line") | $exported | $failed | $STALL$STALL_NOTE |"
    done
    forget "$SERVICE_PID"
  done
done
echo
echo "PostgreSQL $PG_VERSION; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
