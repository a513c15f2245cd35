#!/usr/bin/env bash
# The Standards Registry benchmark (figures in bench/RESULTS.md). From the repository root:
#
#   bench/run.sh
#
# builds the service, the catalogue generator and the baseline in Release (into a temp artifacts directory, so no one
# else's build output is touched), then for each provider (SQLite; PostgreSQL when its server binaries are installed,
# on a throwaway cluster) and each catalogue size (10^4 and 10^6 versions): loads a generated catalogue, starts the
# service on 127.0.0.1, and drives it with wrk from this process's side of the loopback:
#   (a) GET /v1/standards/{key}/versions/latest as an EU consumer (clearance NS) over random keys it may see,
#   (b) a page of GET /v1/standards?category=… (first pages and pages further on, random category and cursor),
#   (c) a page of GET /v1/feed (20 events from a random position of the EU consumer's view) — when the service has one,
#   (d) (a) again while an editor creates, publishes and releases editions flat out,
#   (e) attribute search: GET /v1/standards?covers=f and ?overlaps=a,b over the generator's 24 search bands (the same
#       at every size, among the generated bands), so 10^6 against 10^4 compares the index lookups, not the answers,
#   (f) the editor of (d) alone, nobody reading: what a write costs when it waits for nothing but itself (the floor
#       under (d)'s editor figures; measured after (d), so (d) stays comparable with earlier runs).
# Every run is measured beside the baseline (bench/Baseline: a minimal Kestrel endpoint answering a fixed JSON
# document of the same size on the same routes), right before it, on the same machine: requests/s, p50/p99 latency,
# the ratio to the baseline, CPU time per request (service and baseline), and the service's peak resident memory
# (VmHWM). Results go to bench/RESULTS.md (OUT=… to write elsewhere).
#
# Settings (environment): SIZES="10000 1000000", PROVIDERS="sqlite postgres", RUNS="a b c d e f" (which runs to measure),
# DURATION=15 (seconds per measured run),
# WARMUP=5, SERVICE_WARMUP=20 (seconds of mixed load on a freshly started service before its first measured run, so
# the JIT has compiled the hot paths to their optimised tier: the runs measure the steady state a long-running
# registry is in), CONNECTIONS=32, THREADS=2, OUT=bench/RESULTS.md, KEEP=1 keeps the work directory.
# REGISTRY_VARIANT=/path/to/another/checkout also builds and measures that tree's service the same way, on a copy of
# the same catalogue, in the same run (to show what a proposed change does). The catalogue is loaded with this tree's
# schema; VARIANT_POSTGRES_SQL, run on the variant's PostgreSQL copy before its service starts, adapts it to a variant
# that predates a migration (for a tree before 0022: VARIANT_POSTGRES_SQL="ALTER TABLE releases ALTER COLUMN
# standard_id DROP NOT NULL", since that tree's releases do not name their standard; on SQLite the column is nullable).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"10000 1000000"}
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
SERVICE_WARMUP=${SERVICE_WARMUP:-20}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
OUT=${OUT:-$ROOT/bench/RESULTS.md}
VARIANT=${REGISTRY_VARIANT:-}
VARIANT_POSTGRES_SQL=${VARIANT_POSTGRES_SQL:-}
RUNS=${RUNS:-"a b c d e f"}
runs() { [[ " $RUNS " == *" $1 "* ]]; }
source "$ROOT/bench/lib.sh"
bench_init registry-bench

# ---------------------------------------------------------------------------------------------- tools and build
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null 2>&1 \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
  else
    echo "wrk is missing: apt-get install wrk" >&2; exit 1
  fi
fi

build() { # project artifacts-dir
  timeout 900 dotnet build "$1" -c Release --artifacts-path "$2" -nologo -v quiet >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
}
log "building in Release into $WORK/artifacts"
build "$ROOT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$WORK/artifacts"
build "$ROOT/tools/StandardsRegistry.Generator/StandardsRegistry.Generator.csproj" "$WORK/artifacts"
build "$ROOT/bench/Baseline/Baseline.csproj" "$WORK/artifacts"
SERVICE_DIRS=("$WORK/artifacts/bin/StandardsRegistry.Api/release")
SERVICE_NAMES=("service")
if [ -n "$VARIANT" ]; then
  log "building the variant $VARIANT"
  build "$VARIANT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj" "$WORK/variant-artifacts"
  SERVICE_DIRS+=("$WORK/variant-artifacts/bin/StandardsRegistry.Api/release")
  SERVICE_NAMES+=("variant")
fi
use_generator "$WORK/artifacts"
BASELINE_DIR="$WORK/artifacts/bin/Baseline/release"

EU_TOKEN=$(token --subject eu-bench@eu --community EU --clearance NS --role consumer)
EDITOR_TOKEN=$(token --subject editor-bench@nato --community NATO --clearance CTS --role editor --role release-authority)

# ---------------------------------------------------------------------------------------------- one measured run
RESULTS="$WORK/results.tsv"   # provider size service scenario rps p50 p99 non2xx cpu_us base_rps base_p50 base_p99 base_cpu_us note
: >"$RESULTS"

wrk_run() { # port paths-file token seconds pid -> prints wrk's RESULT line with cpu_us=<CPU µs of pid per request> appended
  local port=$1 paths=$2 token=$3 seconds=$4 pid=$5 before after line requests
  before=$(cpu_ticks "$pid")
  line=$(timeout $((seconds + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s -s "$ROOT/bench/paths.lua" \
    "http://127.0.0.1:$port" -- "$paths" "$token" | grep '^RESULT')
  after=$(cpu_ticks "$pid")
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  echo "$line cpu_us=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')"
}

measure() { # provider size service scenario service-port paths service-pid [note]
  local provider=$1 size=$2 service=$3 scenario=$4 port=$5 paths=$6 pid=$7 note=${8:-} base service_line
  timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$ROOT/bench/paths.lua" "http://127.0.0.1:$BASE_PORT" -- "$paths" "$EU_TOKEN" >/dev/null
  base=$(wrk_run "$BASE_PORT" "$paths" "$EU_TOKEN" "$DURATION" "$BASE_PID")
  timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$ROOT/bench/paths.lua" "http://127.0.0.1:$port" -- "$paths" "$EU_TOKEN" >/dev/null
  service_line=$(wrk_run "$port" "$paths" "$EU_TOKEN" "$DURATION" "$pid")
  record "$provider" "$size" "$service" "$scenario" "$service_line" "$base" "$note"
}

record() { # provider size service scenario service-line base-line note
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
    "$(field rps "$5")" "$(field p50_ms "$5")" "$(field p99_ms "$5")" "$(field non2xx "$5")" "$(field cpu_us "$5")" \
    "$(field rps "$6")" "$(field p50_ms "$6")" "$(field p99_ms "$6")" "$(field cpu_us "$6")" "$7" >>"$RESULTS"
  log "$1 $2 $3 $4: $(field rps "$5") req/s p99 $(field p99_ms "$5") ms, CPU $(field cpu_us "$5") µs/req (baseline $(field rps "$6") req/s, $(field cpu_us "$6") µs/req) $7"
}

# The load comes from a handful of principals at tens of thousands of requests per second: the per-principal rate
# limit (RateLimiting:*, SECURITY.md) is set far above that, so it measures the service rather than the limiter.
# The metrics listener stays on, as shipped, on a free port (its default 9464 would collide with a lingering instance).
start_service() { # dir provider connection-string port -> SERVICE_PID
  local dir=$1 provider=$2 connection=$3 port=$4
  (run_service "$dir" \
    Urls="http://127.0.0.1:$port" Database__Provider="$provider" ConnectionStrings__Registry="$connection" Database__Seed=false) >"$WORK/service-$port.log" 2>&1 &
  SERVICE_PID=$!
  PIDS+=("$SERVICE_PID")
  wait_ready "http://127.0.0.1:$port/health/ready" 300 || { tail -20 "$WORK/service-$port.log" >&2; exit 1; }
}

start_baseline() { # latest-doc list-doc port [feed-doc] -> BASE_PID
  (cd "$BASELINE_DIR" && exec env ASPNETCORE_ENVIRONMENT=Production BASELINE_LATEST="$1" BASELINE_LIST="$2" BASELINE_FEED="${4:-}" Urls="http://127.0.0.1:$3" \
    dotnet Baseline.dll) >"$WORK/baseline-$3.log" 2>&1 &
  BASE_PID=$!
  PIDS+=("$BASE_PID")
  wait_ready "http://127.0.0.1:$3/health/ready" 60
}

LOADS="$WORK/loads.tsv"; : >"$LOADS"
PLANS="$WORK/plans.md"; : >"$PLANS"
EDITS="$WORK/edits.tsv"; : >"$EDITS"
# The editor of (d) and (f) against a service port, writing its result line to a log (errors beside it), and that
# result as a row of the editor's table. Called where $data names the catalogue's files.
edit() { # port log
  timeout $((DURATION + 60)) "${GENERATOR[@]}" edit --url "http://127.0.0.1:$1" --token "$EDITOR_TOKEN" \
    --standards "$data/standards.tsv" --seconds "$DURATION" >"$2" 2>"$2.err"
}
edit_row() { # provider size service log
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(grep '^EDITOR' "$4" || echo 'editor: no result')" \
    "$(sort "$4.err" | cut -c1-160 | uniq -c | head -3 | paste -sd ';' -)" >>"$EDITS"
}
RSS="$WORK/rss.tsv"; : >"$RSS"

run_size() { # provider size
  local provider=$1 size=$2 data="$WORK/data-$1-$2" connection loaded i
  log "$provider: generating and loading $size versions"
  case $provider in
    sqlite) connection="Data Source=$WORK/registry-$size.db" ;;
    postgres)
      psql_admin "CREATE DATABASE registry_$size"
      connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry_$size" ;;
  esac
  loaded=$(timeout 3600 "${GENERATOR[@]}" generate --versions "$size" --provider "$provider" --connection "$connection" --out "$data" | tee "$data.log" | grep '^LOADED')
  printf '%s\t%s\t%s\t%s\n' "$provider" "$size" "$loaded" "$(awk '/^[0-9]+ standards, / {f = 1} f && n < 6 {sub(/^ +/, ""); print; n++}' "$data.log" | paste -sd '|' -)" >>"$LOADS"
  log "$loaded"

  {
    echo "### $provider, $size versions"
    echo
    timeout 900 "${GENERATOR[@]}" plans --provider "$provider" --connection "$connection" --data "$data" --runs 300
  } >>"$PLANS"

  for i in "${!SERVICE_DIRS[@]}"; do
    local service=${SERVICE_NAMES[$i]} service_connection=$connection port pid sample_key
    # Each service gets its own copy of the catalogue: the mixed run writes to it, and a variant may change its settings.
    case $provider in
      sqlite)
        cp "$WORK/registry-$size.db" "$WORK/registry-$size-$service.db"
        service_connection="Data Source=$WORK/registry-$size-$service.db"
        cat "$WORK/registry-$size-$service.db" >/dev/null ;;
      postgres)
        psql_admin "CREATE DATABASE registry_${size}_$service TEMPLATE registry_$size"
        service_connection="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=registry_${size}_$service" ;;
    esac
    if [ "$service" = variant ]; then
      forget_newer_migrations "$provider" "$([ "$provider" = sqlite ] && echo "$WORK/registry-$size-$service.db" || echo "registry_${size}_$service")" "$VARIANT"
    fi
    if [ "$service" = variant ] && [ "$provider" = postgres ] && [ -n "$VARIANT_POSTGRES_SQL" ]; then
      as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "registry_${size}_$service" -v ON_ERROR_STOP=1 -qAtc "$VARIANT_POSTGRES_SQL"
    fi
    port=$(free_port)
    start_service "${SERVICE_DIRS[$i]}" "$provider" "$service_connection" "$port"
    pid=$SERVICE_PID

    # The baseline serves documents of the sizes this service answers (one latest edition, one list page).
    sample_key=$(head -1 "$data/latest-eu.paths")
    curl -sf -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$port$sample_key" >"$data/latest-$service.json"
    curl -sf -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$port$(sed -n 5p "$data/list.paths")" >"$data/list-$service.json"
    # (c) feed pages of 20 events from random positions of the EU NS consumer's view (view EU.3), when there is a feed.
    local feed_status feed_last
    feed_status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$port/v1/feed")
    if [ "$feed_status" = 200 ]; then
      case $provider in
        sqlite) feed_last=$(sqlite3 "$WORK/registry-$size-$service.db" "SELECT last_seq FROM feed_views WHERE community = 'EU' AND level = 3 AND drafts = 0") ;;
        postgres) feed_last=$(as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "registry_${size}_$service" -tAc \
          "SELECT last_seq FROM feed_views WHERE community = 'EU' AND level = 3 AND drafts = 0") ;;
      esac
      awk -v last="$feed_last" 'BEGIN { srand(42); for (i = 0; i < 2000; i++) print int(rand() * (last > 20 ? last - 20 : 1)) }' | while read -r n; do
        printf '/v1/feed?limit=20&cursor=%s\n' "$(printf 'feed:EU.3:%s' "$n" | base64 -w0 | tr '+/' '-_' | tr -d '=')"
      done >"$data/feed.paths"
      curl -sf -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$port$(sed -n 5p "$data/feed.paths")" >"$data/feed-$service.json"
    fi
    BASE_PORT=$(free_port)
    start_baseline "$data/latest-$service.json" "$data/list-$service.json" "$BASE_PORT" "$( [ "$feed_status" = 200 ] && echo "$data/feed-$service.json")"

    # Steady state: tiered compilation recompiles hot methods with profile data during the first seconds of load.
    cat "$data/latest-eu.paths" "$data/list.paths" $( [ "$feed_status" = 200 ] && echo "$data/feed.paths") $(runs e && echo "$data/attributes.paths") >"$data/warmup.paths"
    timeout $((SERVICE_WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SERVICE_WARMUP}s" -s "$ROOT/bench/paths.lua" "http://127.0.0.1:$port" -- "$data/warmup.paths" "$EU_TOKEN" >/dev/null

    runs a && measure "$provider" "$size" "$service" "a latest" "$port" "$data/latest-eu.paths" "$pid" "doc $(wc -c <"$data/latest-$service.json") B"
    runs b && measure "$provider" "$size" "$service" "b list" "$port" "$data/list.paths" "$pid" "doc $(wc -c <"$data/list-$service.json") B"
    if ! runs c; then
      :
    elif [ "$feed_status" = 200 ]; then
      measure "$provider" "$size" "$service" "c feed" "$port" "$data/feed.paths" "$pid" "doc $(wc -c <"$data/feed-$service.json") B, view EU.3 has $feed_last events"
    else
      printf '%s\t%s\t%s\tc feed\t\t\t\t\t\t\t\t\t\tnot measured: the service has no feed (GET /v1/feed answers %s)\n' "$provider" "$size" "$service" "$feed_status" >>"$RESULTS"
    fi

    if runs e; then
      curl -sf -H "Authorization: Bearer $EU_TOKEN" "http://127.0.0.1:$port$(sed -n 5p "$data/attributes.paths")" >"$data/attributes-$service.json"
      measure "$provider" "$size" "$service" "e attributes" "$port" "$data/attributes.paths" "$pid" \
        "doc $(wc -c <"$data/attributes-$service.json") B (baseline: the list document)"
    fi

    # (d) consumers read while one editor writes flat out; the baseline is measured right before, alone.
    local base edit_log="$WORK/edit-$provider-$size-$service.log" editor_pid mixed
    if runs d; then
      base=$(wrk_run "$BASE_PORT" "$data/latest-eu.paths" "$EU_TOKEN" "$DURATION" "$BASE_PID")
      edit "$port" "$edit_log" &
      editor_pid=$!
      PIDS+=("$editor_pid")
      mixed=$(wrk_run "$port" "$data/latest-eu.paths" "$EU_TOKEN" "$DURATION" "$pid")
      wait "$editor_pid" || true
      forget "$editor_pid"
      record "$provider" "$size" "$service" "d mixed" "$mixed" "$base" "editor: $(grep '^EDITOR' "$edit_log" | sed 's/^EDITOR //')"
      edit_row "$provider" "$size" "$service" "$edit_log"
    fi

    # (f) the same editor with nobody reading.
    if runs f; then
      edit_log="$WORK/edit-alone-$provider-$size-$service.log"
      edit "$port" "$edit_log" || true
      edit_row "$provider" "$size" "$service, alone (f)" "$edit_log"
    fi

    printf '%s\t%s\t%s\t%s\t%s\n' "$provider" "$size" "$service" "$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")" "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" >>"$RSS"
    forget "$pid"
    forget "$BASE_PID"
  done
  case $provider in
    sqlite) rm -f "$WORK"/registry-"$size"*.db* ;;
    postgres) for service in "${SERVICE_NAMES[@]}"; do psql_admin "DROP DATABASE registry_${size}_$service"; done; psql_admin "DROP DATABASE registry_$size" ;;
  esac
}

STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for provider in $PROVIDERS; do
  if [ "$provider" = postgres ]; then
    if ! start_postgres; then
      log "PostgreSQL server binaries not found: PostgreSQL runs skipped"
      continue
    fi
  fi
  for size in $SIZES; do
    run_size "$provider" "$size"
  done
done
FINISHED=$(date -u '+%H:%M UTC')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- RESULTS.md
"$ROOT/bench/report.sh" "$WORK" >"$OUT.tmp" <<EOF
started=$STARTED
finished=$FINISHED
load_before=$LOAD_BEFORE
load_after=$LOAD_AFTER
duration=$DURATION
warmup=$WARMUP
service_warmup=$SERVICE_WARMUP
connections=$CONNECTIONS
threads=$THREADS
sizes=$SIZES
variant=$VARIANT
pg_version=$PG_VERSION
EOF
mv "$OUT.tmp" "$OUT"
log "results written to $OUT"
