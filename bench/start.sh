#!/usr/bin/env bash
# How long the service takes from exec to its first answered catalogue read. From the repository root:
#
#   bench/start.sh
#
# builds the service in Release and starts it ROUNDS times, each on a fresh SQLite database with the sample catalogue
# (Database:Seed), timing from exec to the first 200 of GET /v1/standards: startup, migration, seeding, and the first
# request, which builds the routing tables. REGISTRY_VARIANT=/path/to/another/checkout also builds that tree and
# alternates the two, round by round, so both see the same machine. Prints each tree's median, min and max in ms, and
# the ratio of the medians.
#
# Settings (environment): ROUNDS=10.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-10}
VARIANT=${REGISTRY_VARIANT:-}
source "$ROOT/bench/lib.sh"
bench_init registry-start-bench
KEY=$(head -c 32 /dev/urandom | base64)
# No metrics listener: it is not part of what is timed.
METRICS_URL=""

log "building in Release into $WORK/artifacts"
build_release "$WORK/artifacts" "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj"
declare -A DIRS=([this]="$WORK/artifacts/bin/StandardsRegistry.Api/release")
TREES="this"
if [ -n "$VARIANT" ]; then
  log "building the variant $VARIANT"
  build_release "$WORK/variant-artifacts" "$VARIANT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj"
  DIRS[variant]="$WORK/variant-artifacts/bin/StandardsRegistry.Api/release"
  TREES="this variant"
fi

start_once() { # dir -> milliseconds from exec to the first 200 of GET /v1/standards
  local port db pid started
  port=$(free_port)
  db=$(mktemp -d "$WORK/db.XXXXXX")
  started=$(date +%s%N)
  (run_service "$1" Urls="http://127.0.0.1:$port" Database__Provider=sqlite ConnectionStrings__Registry="Data Source=$db/registry.db" \
    Database__Seed=true) >>"$WORK/service.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v1/standards"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$pid" 2>/dev/null; then tail -20 "$WORK/service.log" >&2; exit 1; fi
    sleep 0.01
  done
  echo $(( ($(date +%s%N) - started) / 1000000 ))
  forget "$pid"
  rm -rf "$db"
}

declare -A TIMES
for round in $(seq "$ROUNDS"); do
  # Alternate which tree goes first, so neither always starts on a machine the other just warmed.
  order=$TREES
  [ $((round % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$TREES" | tac | tr '\n' ' ')
  for tree in $order; do
    TIMES[$tree]+="$(start_once "${DIRS[$tree]}") "
  done
  log "round $round: $(for t in $TREES; do printf '%s %s ms  ' "$t" "$(awk '{print $NF}' <<<"${TIMES[$t]}")"; done)"
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for tree in $TREES; do
  sorted=$(tr ' ' '\n' <<<"${TIMES[$tree]}" | grep . | sort -n)
  echo "START tree=$tree rounds=$ROUNDS median_ms=$(median "${TIMES[$tree]}") min_ms=$(head -1 <<<"$sorted") max_ms=$(tail -1 <<<"$sorted")"
done
if [ -n "$VARIANT" ]; then
  echo "START ratio this/variant median=$(awk -v a="$(median "${TIMES[this]}")" -v b="$(median "${TIMES[variant]}")" 'BEGIN {printf "%.2f", a / b}')"
fi
