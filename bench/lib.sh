# Shared by the bench scripts (sourced, not run): the work directory and its cleanup, the processes a
# script starts, a throwaway PostgreSQL cluster, ports, readiness, CPU time, the catalogue generator and its tokens. The
# caller sets ROOT first.

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

ISSUER=registry-bench
AUDIENCE=standards-registry
PIDS=()
PG_BIN=""
PG_DATA=""
PG_VERSION="not installed"

build_release() { # artifacts-directory project... : a Release build of each project into the directory, its log shown on failure
  local artifacts=$1 project; shift
  for project in "$@"; do
    timeout 900 dotnet build "$project" -c Release --artifacts-path "$artifacts" -nologo -v quiet >"$WORK/build.log" 2>&1 \
      || { cat "$WORK/build.log" >&2; exit 1; }
  done
}

build_trees() { # project... : these projects of this tree built in Release into $WORK/artifacts, and the service of the
  # variant (VARIANT, from REGISTRY_VARIANT), when there is one, into $WORK/variant-artifacts -> DIRS[tree] (each tree's
  # service directory) and TREES ("this", or "this variant")
  log "building in Release into $WORK/artifacts"
  build_release "$WORK/artifacts" "$@"
  declare -gA DIRS=([this]="$WORK/artifacts/bin/StandardsRegistry.Api/release")
  TREES="this"
  if [ -n "${VARIANT:-}" ]; then
    log "building the variant $VARIANT"
    build_release "$WORK/variant-artifacts" "$VARIANT/src/StandardsRegistry.Api/StandardsRegistry.Api.csproj"
    DIRS[variant]="$WORK/variant-artifacts/bin/StandardsRegistry.Api/release"
    TREES="this variant"
  fi
}

trees_in_turn() { # round -> TREES, reversed in even rounds, so neither tree always runs on a machine the other just warmed
  if [ $(($1 % 2)) = 0 ]; then tr ' ' '\n' <<<"$TREES" | tac | tr '\n' ' '; else echo "$TREES"; fi
}

use_generator() { # artifacts-directory -> GENERATOR (the catalogue generator built there) and KEY (a fresh signing key for token)
  GENERATOR=(dotnet "$1/bin/StandardsRegistry.Generator/release/StandardsRegistry.Generator.dll")
  KEY=$(head -c 32 /dev/urandom | base64)
}

token() { # generator token options (subject, community, clearance, roles) -> a bench token, signed with KEY, valid 6 hours
  "${GENERATOR[@]}" token --key "$KEY" --issuer $ISSUER --audience $AUDIENCE --hours 6 "$@"
}

median() { # values (separated by spaces or lines) -> their median
  tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

run_service() { # dir setting=value... : exec the Release service in dir with the bench's settings and these (in a subshell)
  # Production, the per-principal rate limits far above any load (the service is measured, not the limiter: requests a
  # second, and exports at once, which one bench principal may run several of), the metrics
  # listener on a free port as shipped (METRICS_URL overrides; empty turns it off), the bench's token issuer and key.
  local dir=$1; shift
  cd "$dir" && exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
    RateLimiting__PermitsPerSecond=100000000 RateLimiting__Burst=100000000 RateLimiting__ConcurrentStreams=1000 Telemetry__PrometheusUrl="${METRICS_URL-http://127.0.0.1:0}" \
    Authentication__Schemes__Bearer__ValidIssuer="$ISSUER" Authentication__Schemes__Bearer__ValidAudiences__0="$AUDIENCE" \
    Authentication__Schemes__Bearer__SigningKeys__0__Issuer="$ISSUER" Authentication__Schemes__Bearer__SigningKeys__0__Value="$KEY" \
    "$@" dotnet StandardsRegistry.Api.dll
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bench_init() { # name: a work directory /tmp/<name>.XXXXXX, removed on exit (KEEP=1 keeps it), with everything started
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$WORK"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}

stall_start() { # a clock ticking every 0.1 s in the background (STALL_PID, ticks in STALL_FILE), until stall_stop
  STALL_FILE=$(mktemp "$WORK/ticks.XXXXXX")
  ( while :; do echo "$EPOCHREALTIME"; sleep 0.1; done ) >"$STALL_FILE" &
  STALL_PID=$!
  PIDS+=("$STALL_PID")
}

stall_stop() { # -> STALL: the longest gap between two ticks since stall_start, in seconds (near 0.1 unless the machine
  # stood still), and STALL_NOTE: empty, or, for a gap of a second or more, that the run says nothing about the tree
  forget "$STALL_PID"
  STALL=$(awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.1f", m }' "$STALL_FILE")
  STALL_NOTE=""
  if awk -v g="$STALL" 'BEGIN { exit !(g >= 1) }'; then STALL_NOTE=" (the machine stood still: this run says nothing about the tree)"; fi
}

forget() { # pid: stop one process we started (SIGTERM: the service drains its audit queue) and stop tracking it
  local pid=$1 kept=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

free_port() {
  local port
  for _ in $(seq 100); do
    port=$(( (RANDOM % 20000) + 30000 ))
    if ! ss -ltnH "sport = :$port" | grep -q .; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

wait_ready() { # url timeout-seconds [pid: give up as soon as it has exited]
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    if [ $SECONDS -ge $deadline ]; then echo "not ready after $2 s: $1" >&2; return 1; fi
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.5
  done
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<" $2"; }

start_postgres() { # a throwaway cluster under $WORK/pg on a free loopback port -> PG_BIN, PG_DATA, PG_PORT, PG_VERSION; 1 without binaries
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    PG_BIN=""; return 1
  fi
  local root="$WORK/pg"
  mkdir -p "$root/s"
  PG_DATA="$root/data"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$root"; fi
  (cd "$root" && as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1)
  PG_PORT=$(free_port)
  (cd "$root" && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$root/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $root/s -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null)
  PG_VERSION=$("$PG_BIN/postgres" --version)
}

# Forgets, in a variant's copy of a catalogue, the migrations the variant does not have ($1 provider, $2 the SQLite file
# or the PostgreSQL database, $3 the variant's tree): a tree refuses a database a newer tree migrated. What those
# migrations added stays, nullable or defaulted columns the older tree's statements do not name.
forget_newer_migrations() {
  local known
  known=$(cd "$3/db/$1" && ls -- *.sql | sed "s|^|'db.$1/|; s|\$|'|" | paste -sd, -)
  case $1 in
    sqlite) sqlite3 "$2" "DELETE FROM schemaversions WHERE scriptname NOT IN ($known)" ;;
    postgres) as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$2" -v ON_ERROR_STOP=1 -qAtc "DELETE FROM schemaversions WHERE scriptname NOT IN ($known)" ;;
  esac
}

psql_admin() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }
