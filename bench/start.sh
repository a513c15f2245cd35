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

build_trees "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj"

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
  for tree in $(trees_in_turn "$round"); do
    TIMES[$tree]+="$(start_once "${DIRS[$tree]}") "
  done
  log "round $round: $(for t in $TREES; do printf '%s %s ms  ' "$t" "$(awk '{print $NF}' <<<"${TIMES[$t]}")"; done)"
done

for tree in $TREES; do
  sorted=$(tr ' ' '\n' <<<"${TIMES[$tree]}" | grep . | sort -n)
  echo "START tree=$tree rounds=$ROUNDS median_ms=$(median "${TIMES[$tree]}") min_ms=$(head -1 <<<"$sorted") max_ms=$(tail -1 <<<"$sorted")"
done
if [ -n "$VARIANT" ]; then
  echo "START ratio this/variant median=$(awk -v a="$(median "${TIMES[this]}")" -v b="$(median "${TIMES[variant]}")" 'BEGIN {printf "%.2f", a / b}')"
fi
