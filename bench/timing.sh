#!/usr/bin/env bash
# Does an item route answer a hidden key more slowly than an absent one? From the repository root:
#
#   bench/timing.sh
#
# builds the service and the generator in Release, loads one generated catalogue per provider, and for each caller —
# an EU consumer cleared NS (hidden: not released to the EU, above NS, drafts) and a NATO consumer cleared NR (hidden:
# above NR, drafts) — runs `StandardsRegistry.Generator timing`: per item route, N requests each for hidden targets
# and for two absent variants of the same keys, interleaved at random on one keep-alive connection, reporting medians,
# the hidden − absent difference with a permutation test's p-value, and the absent − absent control.
#
# REGISTRY_VARIANT=/path/to/another/checkout measures that tree's service the same way in the same run (on its own
# copy of the same catalogue), alternating with this tree ROUNDS times: the before/after of a change.
#
# Settings (environment): PROVIDERS="sqlite postgres", SIZE=10000, N=2000, ROUNDS=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
SIZE=${SIZE:-10000}
N=${N:-2000}
ROUNDS=${ROUNDS:-1}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-timing-bench

build() { # tree name
  timeout 900 dotnet build "$1/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" -c Release --artifacts-path "$WORK/artifacts-$2" -nologo -v quiet >"$WORK/build-$2.log" 2>&1 \
    || { cat "$WORK/build-$2.log" >&2; exit 1; }
}
log "building in Release into $WORK"
timeout 900 dotnet build "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj" -c Release --artifacts-path "$WORK/artifacts-tools" -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; exit 1; }
SERVICES=(committed)
build "$ROOT" committed
if [ -n "$VARIANT" ]; then SERVICES+=(variant); build "$VARIANT" variant; fi
use_generator "$WORK/artifacts-tools"
EU_TOKEN=$(token --subject eu-timing@eu --community EU --clearance NS --role consumer)
NATO_TOKEN=$(token --subject nato-timing@nato --community NATO --clearance NR --role consumer)

start_service() { # service provider connection -> SERVICE_PID, PORT
  local attempt
  for attempt in 1 2 3; do
    PORT=$(free_port)
    (run_service "$WORK/artifacts-$1/bin/StandardsRegistry.Api/release" \
      Urls="http://127.0.0.1:$PORT" Database__Provider="$2" ConnectionStrings__Registry="$3" Database__Seed=false) >>"$WORK/service.log" 2>&1 &
    SERVICE_PID=$!
    PIDS+=("$SERVICE_PID")
    if wait_ready "http://127.0.0.1:$PORT/health/ready" 300 "$SERVICE_PID" && kill -0 "$SERVICE_PID" 2>/dev/null; then return 0; fi
    forget "$SERVICE_PID"
    log "the service did not start on port $PORT (attempt $attempt)"
  done
  tail -20 "$WORK/service.log" >&2; exit 1
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); N=$N per class, SIZE=$SIZE"
echo
echo "| provider | tree | round | caller | route | hidden median µs | absent median µs | hidden − absent µs | p | control (absent − absent) µs | control p |"
echo "|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|"
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
  for round in $(seq "$ROUNDS"); do
    for service in "${SERVICES[@]}"; do
      case $provider in
        sqlite) cp "$WORK/registry.db" "$WORK/registry-$round-$service.db"; copy="Data Source=$WORK/registry-$round-$service.db" ;;
        postgres) psql_admin "CREATE DATABASE registry_${round}_$service TEMPLATE registry"
                  copy="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry_${round}_$service" ;;
      esac
      start_service "$service" "$provider" "$copy"
      for caller in eu nato-nr; do
        case $caller in
          eu) tok=$EU_TOKEN; routes=(--route standard --route versions --route latest --route edition --route label) ;;
          nato-nr) tok=$NATO_TOKEN; routes=() ;;
        esac
        "${GENERATOR[@]}" timing --url "http://127.0.0.1:$PORT" --token "$tok" --hidden "$WORK/data-$provider/hidden-$caller.tsv" \
            --n "$N" --seed "$round" --label "$caller" "${routes[@]}" | grep '^TIMING' | while read -r line; do
          log "$provider $service $line"
          echo "| $provider | $service | $round | $caller | $(field route "$line") | $(field hidden_median_us "$line") | $(field absent_median_us "$line") | $(field diff_us "$line") | $(field p "$line") | $(field control_diff_us "$line") | $(field control_p "$line") |"
        done
      done
      forget "$SERVICE_PID"
    done
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
