#!/usr/bin/env bash
# What recording reads in the audit trail costs. From the repository root:
#
#   bench/audit.sh
#
# builds the service and the catalogue generator in Release (into a temp artifacts directory), loads one generated
# catalogue per provider, and measures GET /v1/standards/{key}/versions/latest as an EU consumer with wrk, alternating
# the same build with Audit__RecordReads=false ("off") and the default ("on"), ROUNDS times each, each service on its
# own copy of the catalogue (the per-principal rate limit set far above the load, as in bench/run.sh). After each "on" run it stops the service gracefully (SIGTERM), starts it again and asks
# GET /v1/audit/verify how many entries it checked, beside the requests wrk completed (warm-up included). CPU/req is the
# service process's CPU time (user + system) over the measured run divided by its requests: the figure least disturbed
# by other load on a shared machine (PostgreSQL's own backends are not in it). The last column is the longest stall of a
# 0.1 s clock ticking beside the measured run (bench/lib.sh): a second or more, and the machine stood still (flagged).
#
# REGISTRY_VARIANT=/path/to/another/checkout (as in bench/run.sh) also builds that tree's service and measures it with
# the audit of reads on ("variant"), on its own copy of the same catalogue, in the same rounds (after "off", before "on"
# in odd rounds and after it in even ones, so take an even number of rounds): to show what a change to the audit costs,
# measure the tree before the change as the variant (e.g. `git archive main | tar -x -C /tmp/main`).
#
# Settings (environment): PROVIDERS="sqlite postgres", SIZE=10000, DURATION=15, WARMUP=5, CONNECTIONS=32, THREADS=2, ROUNDS=2,
# METRICS_URL (the Prometheus listener, a free port by default; empty turns metrics off, to measure what they cost).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
SIZE=${SIZE:-10000}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-audit-bench

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

log "building in Release into $WORK/artifacts"
build_release "$WORK/artifacts" "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj"
SERVICE_DIR="$WORK/artifacts/bin/StandardsRegistry.Api/release"
MODES="off on"
if [ -n "$VARIANT" ]; then
  log "building the variant $VARIANT"
  timeout 900 dotnet build "$VARIANT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" -c Release --artifacts-path "$WORK/variant-artifacts" -nologo -v quiet >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
  MODES="off variant on"
fi
use_generator "$WORK/artifacts"
EU_TOKEN=$(token --subject eu-bench@eu --community EU --clearance NS --role consumer)
ADMIN_TOKEN=$(token --subject admin-bench@nato --community NATO --clearance CTS --role admin)

start_service() { # provider connection record-reads [service-dir] -> SERVICE_PID, PORT (a free port; another one if it was taken meanwhile)
  local attempt dir=${4:-$SERVICE_DIR}
  for attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    (run_service "$dir" \
      Urls="http://127.0.0.1:$PORT" Database__Provider="$1" ConnectionStrings__Registry="$2" Database__Seed=false Audit__RecordReads="$3") >>"$WORK/service.log" 2>&1 &
    SERVICE_PID=$!
    PIDS+=("$SERVICE_PID")
    if wait_ready "http://127.0.0.1:$PORT/health/ready" 300 "$SERVICE_PID" && kill -0 "$SERVICE_PID" 2>/dev/null; then return 0; fi
    forget "$SERVICE_PID"
    log "the service did not start on port $PORT (attempt $attempt)"
  done
  tail -20 "$WORK/service.log" >&2; exit 1
}

wrk_requests() { # port paths seconds -> RESULT line
  timeout $(($3 + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3s" --timeout 5s -s "$ROOT/bench/paths.lua" "http://127.0.0.1:$1" -- "$2" "$EU_TOKEN" | grep '^RESULT'
}

echo "| provider | round | audit of reads | req/s | p50 ms | p99 ms | CPU/req µs | non-2xx | requests (warm-up + measured) | audit entries checked by /v1/audit/verify | chain valid | longest stall s |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for provider in $PROVIDERS; do
  case $provider in
    sqlite) connection="Data Source=$WORK/registry.db" ;;
    postgres)
      if [ -z "$PG_DATA" ] && ! start_postgres; then log "no PostgreSQL: skipped"; continue; fi
      psql_admin "CREATE DATABASE registry"
      connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry" ;;
  esac
  log "$provider: generating and loading $SIZE versions"
  timeout 3600 "${GENERATOR[@]}" generate --versions "$SIZE" --provider "$provider" --connection "$connection" --out "$WORK/data-$provider" | grep '^LOADED' >&2
  paths="$WORK/data-$provider/latest-eu.paths"
  for round in $(seq "$ROUNDS"); do
    # The variant and this tree swap places every other round: the one measured later in a round was measured up to
    # 15 % faster (bench/RESULTS.md, the fourth pass), so a ratio from one order alone is biased.
    modes=$MODES
    if [ -n "$VARIANT" ] && [ $((round % 2)) = 0 ]; then modes="off on variant"; fi
    for mode in $modes; do
      case $provider in
        sqlite) cp "$WORK/registry.db" "$WORK/registry-$round-$mode.db"; copy="Data Source=$WORK/registry-$round-$mode.db" ;;
        postgres) psql_admin "CREATE DATABASE registry_${round}_$mode TEMPLATE registry"
                  copy="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry_${round}_$mode" ;;
      esac
      if [ $mode = variant ]; then
        forget_newer_migrations "$provider" "$([ "$provider" = sqlite ] && echo "$WORK/registry-$round-$mode.db" || echo "registry_${round}_$mode")" "$VARIANT"
      fi
      record=$([ $mode = off ] && echo false || echo true)
      dir=$([ $mode = variant ] && echo "$WORK/variant-artifacts/bin/StandardsRegistry.Api/release" || echo "$SERVICE_DIR")
      start_service "$provider" "$copy" "$record" "$dir"
      warm=$(wrk_requests "$PORT" "$paths" "$WARMUP")
      before=$(cpu_ticks "$SERVICE_PID")
      stall_start
      line=$(wrk_requests "$PORT" "$paths" "$DURATION")
      stall_stop
      cpu=$(awk -v t=$(($(cpu_ticks "$SERVICE_PID") - before)) -v hz="$(getconf CLK_TCK)" -v n="$(field requests "$line")" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')
      requests=$(( $(field requests "$warm") + $(field requests "$line") ))
      checked="—"; valid="—"
      if [ $mode != off ]; then
        # Stop gracefully, start again, and let the trail verify itself: every read served must be there.
        forget "$SERVICE_PID"
        start_service "$provider" "$copy" "$record" "$dir"
        verify=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$PORT/v1/audit/verify")
        checked=$(sed -E 's/.*"checked":([0-9]+).*/\1/' <<<"$verify"); valid=$(sed -E 's/.*"valid":(true|false).*/\1/' <<<"$verify")
      fi
      forget "$SERVICE_PID"
      log "$provider round $round audit $mode: $(field rps "$line") req/s p99 $(field p99_ms "$line") ms, CPU $cpu µs/req; $requests requests; checked $checked valid $valid; longest stall $STALL s$STALL_NOTE"
      echo "| $provider | $round | $mode | $(field rps "$line") | $(field p50_ms "$line") | $(field p99_ms "$line") | $cpu | $(field non2xx "$line") | $requests | $checked | $valid | $STALL$STALL_NOTE |"
    done
  done
done
